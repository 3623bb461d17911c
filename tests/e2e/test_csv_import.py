"""Bulk nominations from a CSV: every valid line nominated, every bad line reported, nothing else written."""

import csv
import io
import uuid

from plenary_devstack.testing import person, wait_for

HEADER = [
    "given_name",
    "family_name",
    "email",
    "category",
    "nationality",
    "passport_number",
    "date_of_birth",
    "given_name_native",
    "position",
]


def _row(**overrides):
    p = person(**overrides)
    return {
        **{k: p[k] for k in HEADER if k in p},
        "given_name_native": "Айгерим",
        "position": "Adviser",
        **overrides,
    }


def _csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


BAD = [
    ({"email": "not-an-email"}, "email"),
    ({"category": "ambassador"}, "category"),
    ({"date_of_birth": "2999-01-01"}, "in the past"),
    ({"passport_number": "ab"}, "passport_number"),
    ({"nationality": "Kazakhstan"}, "nationality"),
]


def test_a_thousand_lines_with_fifty_bad_ones(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=1000)
    token = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-csv")
    rows, expected_bad = [], {}
    for i in range(1000):
        if i % 20 == 7:
            change, words = BAD[(i // 20) % len(BAD)]
            rows.append(_row(**change))
            expected_bad[i + 2] = words  # the header is line 1
        else:
            rows.append(_row())
    text = _csv(rows)
    api.sent_passports.update(r["passport_number"] for r in rows)

    started = api.call(
        "registration",
        "POST",
        f"/v1/meetings/{meeting['id']}/imports",
        token=token,
        content=text.encode(),
        headers={"content-type": "text/csv"},
    )
    assert started.status_code == 202, started.text
    assert started.json()["total"] == 1000
    location = started.headers["location"]

    def finished():
        status = api.call("registration", "GET", location, token=token).json()
        return status if status["status"] == "done" else None

    done = wait_for(finished, timeout=120, interval=0.2, what="the import to finish")
    assert (done["processed"], done["nominated"], done["failed"], done["percent"]) == (
        1000,
        950,
        50,
        100,
    )

    errors = api.call(
        "registration", "GET", f"{location}/errors", token=token, params={"limit": 100}
    ).json()
    assert errors["total"] == 50
    assert [e["line"] for e in errors["items"]] == sorted(expected_bad)
    for error in errors["items"]:
        assert expected_bad[error["line"]] in error["reason"], error
    bad_passports = {rows[line - 2]["passport_number"] for line in expected_bad}
    assert not any(p in e["reason"] for e in errors["items"] for p in bad_passports)

    listed = api.call(
        "registration",
        "GET",
        f"/v1/meetings/{meeting['id']}/applications",
        token=token,
        params={"limit": 1},
    ).json()
    assert listed["total"] == 950
    emails = set()
    offset = 0
    while offset < 950:
        page = api.call(
            "registration",
            "GET",
            f"/v1/meetings/{meeting['id']}/applications",
            params={"limit": 500, "offset": offset},
        ).json()
        emails.update(a["email"] for a in page["items"])
        offset += 500
    assert emails == {r["email"] for i, r in enumerate(rows) if i + 2 not in expected_bad}


def test_an_unusable_file_is_refused_whole(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=5)
    path = f"/v1/meetings/{meeting['id']}/imports"
    params = {"delegation_id": delegation["id"]}
    wrong = "name,mail\nA,a@example.org\n"
    refused = api.call("registration", "POST", path, params=params, content=wrong.encode())
    assert refused.status_code == 422
    assert "missing columns: given_name" in refused.json()["detail"]
    assert "unknown columns: name, mail" in refused.json()["detail"]
    empty = api.call(
        "registration", "POST", path, params=params, content=(",".join(HEADER) + "\n").encode()
    )
    assert empty.status_code == 422 and "no nominees" in empty.json()["detail"]
    latin1 = api.call(
        "registration", "POST", path, params=params, content="given_name\nJosé\n".encode("latin-1")
    )
    assert latin1.status_code == 422 and "UTF-8" in latin1.json()["detail"]
    other = api.call(
        "registration",
        "POST",
        path,
        params={"delegation_id": str(uuid.uuid4())},
        content=_csv([_row()]).encode(),
    )
    assert other.status_code == 422
    listed = api.call("registration", "GET", f"/v1/meetings/{meeting['id']}/applications").json()
    assert listed["total"] == 0


def test_the_accredited_participants_export(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], name="Republic of Tajikistan")
    granted = api.nominate(meeting["id"], delegation["id"], family_name="Rahimov").json()
    pending = api.nominate(meeting["id"], delegation["id"], family_name="Saidov").json()
    for app in (granted, pending):
        api.wait_state(app["id"])
    api.call(
        "registration",
        "POST",
        f"/v1/applications/{granted['id']}/decision",
        json={"decision": "grant"},
    )
    exported = api.call("registration", "GET", f"/v1/meetings/{meeting['id']}/participants.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["application_id"], r["delegation"], r["family_name"]) for r in rows] == [
        (granted["id"], "Republic of Tajikistan", "Rahimov")
    ]
    assert "passport" not in exported.text.lower()
    focal_point = api.token_for("focal_point", delegation_id=delegation["id"])
    assert (
        api.call(
            "registration",
            "GET",
            f"/v1/meetings/{meeting['id']}/participants.csv",
            token=focal_point,
        ).status_code
        == 403
    )


def test_an_import_resumes_exactly_after_its_worker_is_killed(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=400)
    # six batches of 50: the worker is killed after the first, whatever the machine's speed
    rows = [_row(email="bad") if i % 50 == 0 else _row() for i in range(300)]
    api.sent_passports.update(r["passport_number"] for r in rows)
    started = api.call(
        "registration",
        "POST",
        f"/v1/meetings/{meeting['id']}/imports",
        params={"delegation_id": delegation["id"]},
        content=_csv(rows).encode(),
    )
    location = started.headers["location"]

    def underway():
        status = api.call("registration", "GET", location).json()
        return status if status["processed"] > 0 else None

    at_kill = wait_for(underway, interval=0.02, what="the import to start")
    api.platform.stop_service("registration", kill=True)
    assert at_kill["processed"] < 300, "the import finished before the worker could be killed"
    # progress is visible while a large file is worked through
    assert at_kill["status"] == "running" and 0 < at_kill["percent"] < 100
    api.platform.start_service("registration")
    api.platform.wait_ready(("registration",))

    done = wait_for(
        lambda: (s := api.call("registration", "GET", location).json())["status"] == "done" and s,
        timeout=120,
        what="the import to resume and finish",
    )
    assert (done["processed"], done["nominated"], done["failed"]) == (300, 294, 6)
    assert api.call("registration", "GET", f"{location}/errors").json()["total"] == 6
    listed = api.call(
        "registration", "GET", f"/v1/meetings/{meeting['id']}/applications", params={"limit": 1}
    )
    assert listed.json()["total"] == 294
    # the delegation decides every nomination before the next test starts queueing behind them
    wait_for(
        lambda: (
            api.call(
                "registration",
                "GET",
                f"/v1/meetings/{meeting['id']}/applications",
                params={"state": "submitted", "limit": 1},
            ).json()["total"]
            == 0
        ),
        timeout=120,
        what="the delegation to decide all 294 nominations",
    )


def test_the_participants_export_answers_conditional_gets(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], name="Kyrgyz Republic")
    first, second = (api.nominate(meeting["id"], delegation["id"]).json() for _ in range(2))
    for app in (first, second):
        api.wait_state(app["id"])
    url = f"/v1/meetings/{meeting['id']}/participants.csv"

    def grant(app):
        decision = {"decision": "grant"}
        path = f"/v1/applications/{app['id']}/decision"
        assert api.call("registration", "POST", path, json=decision).status_code == 200

    grant(first)
    exported = api.call("registration", "GET", url)
    assert exported.status_code == 200
    etag = exported.headers["etag"]
    assert exported.headers["cache-control"] == "private, no-cache"
    held = {"If-None-Match": etag}
    unchanged = api.call("registration", "GET", url, headers=held)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag

    grant(second)
    changed = api.call("registration", "GET", url, headers=held)
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.headers["content-disposition"] == exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(changed.text)))
    assert {r["application_id"] for r in rows} == {first["id"], second["id"]}


def test_the_delegations_export_answers_conditional_gets(api):
    meeting = api.create_meeting()
    api.register_delegation(meeting["id"], name="Republic of Uzbekistan")
    url = f"/v1/meetings/{meeting['id']}/delegations.csv"
    exported = api.call("delegation", "GET", url)
    assert exported.status_code == 200
    etag = exported.headers["etag"]
    assert exported.headers["cache-control"] == "private, no-cache"
    held = {"If-None-Match": etag}
    unchanged = api.call("delegation", "GET", url, headers=held)
    assert unchanged.status_code == 304 and unchanged.content == b""

    api.register_delegation(meeting["id"], name="Turkmenistan")
    changed = api.call("delegation", "GET", url, headers=held)
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    names = [r["name"] for r in csv.DictReader(io.StringIO(changed.text))]
    assert names == ["Republic of Uzbekistan", "Turkmenistan"]
