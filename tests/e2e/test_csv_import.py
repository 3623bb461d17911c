"""Bulk nominations from a CSV: every valid line nominated, every bad line reported, nothing else written."""

import csv
import io
import uuid

import pytest

from plenary_client import Forbidden
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


def test_a_thousand_lines_with_fifty_bad_ones(api, client):
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

    # raw HTTP: the upload's 202 and its Location are the contract under test
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
    import_id = started.json()["id"]
    assert started.headers["location"] == f"/v1/imports/{import_id}"
    registration = api.plenary(token).registration

    def finished():
        status = registration.get_import(import_id)
        return status if status.status == "done" else None

    done = wait_for(finished, timeout=120, interval=0.2, what="the import to finish")
    assert (done.processed, done.nominated, done.failed, done.percent) == (1000, 950, 50, 100)

    errors = registration.list_import_errors(import_id, limit=100)
    assert errors.total == 50
    assert [e.line for e in errors.items] == sorted(expected_bad)
    for error in errors.items:
        assert expected_bad[error.line] in error.reason, error
    bad_passports = {rows[line - 2]["passport_number"] for line in expected_bad}
    assert not any(p in e.reason for e in errors.items for p in bad_passports)

    assert registration.list_applications(meeting["id"], limit=1).total == 950
    listed = client.registration.iter_list_applications(meeting["id"], page_size=500)
    emails = {a.email for a in listed}
    assert emails == {r["email"] for i, r in enumerate(rows) if i + 2 not in expected_bad}


def test_an_unusable_file_is_refused_whole(api, client):
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
    assert client.registration.list_applications(meeting["id"]).total == 0


def test_the_accredited_participants_export(api, client):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], name="Republic of Tajikistan")
    granted = api.submit(meeting["id"], delegation["id"], family_name="Rahimov")
    pending = api.submit(meeting["id"], delegation["id"], family_name="Saidov")
    for app in (granted, pending):
        api.wait_state(app["id"])
    client.registration.decide(granted["id"], {"decision": "grant"})
    # raw HTTP: the CSV body and its headers
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
    with pytest.raises(Forbidden):
        api.plenary(focal_point).registration.export_participants(meeting["id"])


def test_an_import_resumes_exactly_after_its_worker_is_killed(api, client):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=400)
    # six batches of 50: the worker is killed after the first, whatever the machine's speed
    rows = [_row(email="bad") if i % 50 == 0 else _row() for i in range(300)]
    api.sent_passports.update(r["passport_number"] for r in rows)
    registration = client.registration
    started = registration.upload_nominations(
        meeting["id"], _csv(rows).encode(), delegation_id=delegation["id"]
    )

    def underway():
        status = registration.get_import(started.id)
        return status if status.processed > 0 else None

    at_kill = wait_for(underway, interval=0.02, what="the import to start")
    api.platform.stop_service("registration", kill=True)
    assert at_kill.processed < 300, "the import finished before the worker could be killed"
    # progress is visible while a large file is worked through
    assert at_kill.status == "running" and 0 < at_kill.percent < 100
    api.platform.start_service("registration")
    api.platform.wait_ready(("registration",))

    done = wait_for(
        lambda: (s := registration.get_import(started.id)).status == "done" and s,
        timeout=120,
        what="the import to resume and finish",
    )
    assert (done.processed, done.nominated, done.failed) == (300, 294, 6)
    assert registration.list_import_errors(started.id).total == 6
    assert registration.list_applications(meeting["id"], limit=1).total == 294
    # the delegation decides every nomination before the next test starts queueing behind them
    wait_for(
        lambda: (
            registration.list_applications(meeting["id"], state="submitted", limit=1).total == 0
        ),
        timeout=120,
        what="the delegation to decide all 294 nominations",
    )


def test_the_participants_export_answers_conditional_gets(api, client):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], name="Kyrgyz Republic")
    first, second = (api.submit(meeting["id"], delegation["id"]) for _ in range(2))
    for app in (first, second):
        api.wait_state(app["id"])
    url = f"/v1/meetings/{meeting['id']}/participants.csv"

    def grant(app):
        assert client.registration.decide(app["id"], {"decision": "grant"}).state == "accredited"

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
