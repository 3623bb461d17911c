"""Registration authorises by role: a participant's delegation_id claim widens nothing."""

import csv
import io

from plenary_devstack.testing import person, wait_for

CSV_FIELDS = [
    "given_name",
    "family_name",
    "email",
    "category",
    "nationality",
    "passport_number",
    "date_of_birth",
]


def _csv(*people: dict) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(people)
    return out.getvalue().encode()


def _nominated(api, meeting_id: str, delegation_id: str, **kw) -> dict:
    submitted = api.nominate(meeting_id, delegation_id, **kw)
    assert submitted.status_code == 202, submitted.text
    assert api.wait_state(submitted.json()["id"])["state"] == "nominated"
    return submitted.json()


def _counts(api, meeting_id: str, delegation_id: str) -> tuple[int, int]:
    """(applications registration holds for the delegation, the delegation's quota_used)."""
    listed = api.call(
        "registration",
        "GET",
        f"/v1/meetings/{meeting_id}/applications",
        params={"delegation_id": delegation_id},
    )
    delegation = api.call("delegation", "GET", f"/v1/delegations/{delegation_id}")
    return listed.json()["total"], delegation.json()["quota_used"]


def test_a_participant_may_not_nominate_import_or_list_its_colleagues(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=10)
    m, d = meeting["id"], delegation["id"]
    mine = _nominated(api, m, d)
    colleague = _nominated(api, m, d, phone="+7 701 1234567")
    # what registration itself issues to a participant: its application, and its delegation
    participant = api.token_for("participant", delegation_id=d, subject=mine["id"])
    before = _counts(api, m, d)
    assert before == (2, 2)

    nominated = api.nominate(m, d, token=participant)
    assert nominated.status_code == 403, nominated.text
    without_delegation = api.call(
        "registration",
        "POST",
        f"/v1/meetings/{m}/applications",
        json=person(),
        token=participant,
    )
    assert without_delegation.status_code == 403, without_delegation.text
    imported = api.call(
        "registration",
        "POST",
        f"/v1/meetings/{m}/imports",
        content=_csv(person(), person()),
        headers={"content-type": "text/csv"},
        token=participant,
    )
    assert imported.status_code == 403, imported.text
    for params in ({}, {"delegation_id": d}):
        listed = api.call(
            "registration",
            "GET",
            f"/v1/meetings/{m}/applications",
            params=params,
            token=participant,
        )
        assert listed.status_code == 403, listed.text
        assert colleague["email"] not in listed.text and "1234567" not in listed.text
    counts = api.call("registration", "GET", f"/v1/meetings/{m}/statistics", token=participant)
    assert counts.status_code == 403, counts.text

    # the focal point's own import is queued after anything the participant could have queued,
    # so once it is done and nominated, the counts show every write there was
    focal_point = api.token_for("focal_point", delegation_id=d, subject="fp-barrier")
    barrier = api.call(
        "registration",
        "POST",
        f"/v1/meetings/{m}/imports",
        content=_csv(person()),
        headers={"content-type": "text/csv"},
        token=focal_point,
    )
    assert barrier.status_code == 202, barrier.text
    wait_for(
        lambda: (
            api.call("registration", "GET", f"/v1/imports/{barrier.json()['id']}").json()["status"]
            == "done"
        ),
        timeout=300,  # imports run one after another: another test's may be ahead
        what="the focal point's import",
    )
    wait_for(lambda: _counts(api, m, d)[1] == before[1] + 1, what="the imported nomination")
    assert _counts(api, m, d) == (before[0] + 1, before[1] + 1)


def test_a_participant_reads_only_its_own_application_and_badge(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=5)
    m, d = meeting["id"], delegation["id"]
    mine, colleague = _nominated(api, m, d), _nominated(api, m, d)
    for app in (mine, colleague):
        decided = api.call(
            "registration",
            "POST",
            f"/v1/applications/{app['id']}/decision",
            json={"decision": "grant"},
        )
        assert decided.status_code == 200, decided.text
    for app in (mine, colleague):
        wait_for(
            lambda app=app: (
                api.call("registration", "GET", f"/v1/applications/{app['id']}/badge").status_code
                == 200
            ),
            what="the badges",
        )
    participant = api.token_for("participant", delegation_id=d, subject=mine["id"])

    def get(path: str, token: str | None = participant) -> int:
        return api.call("registration", "GET", path, token=token).status_code

    own, theirs = f"/v1/applications/{mine['id']}", f"/v1/applications/{colleague['id']}"
    assert (get(own), get(f"{own}/badge"), get(f"{own}/badge.pdf")) == (200, 200, 200)
    assert (get(theirs), get(f"{theirs}/badge"), get(f"{theirs}/badge.pdf")) == (404, 404, 404)
    for tail in ("/documents", "/history", "/photo", "/visa-letter.pdf"):
        assert get(f"{own}{tail}") == 403, tail

    # a focal point reads its delegation's, organiser staff everything; only the desk unmasked
    focal_point = api.token_for("focal_point", delegation_id=d, subject="fp-own")
    stranger = api.token_for(
        "focal_point", delegation_id=api.register_delegation(m)["id"], subject="fp-other"
    )
    desk = api.token_for("accreditation_desk", subject="desk-own")
    assert (get(theirs, focal_point), get(f"{theirs}/badge", focal_point)) == (200, 200)
    assert (get(theirs, stranger), get(f"{theirs}/badge", stranger)) == (404, 404)
    assert get(f"{theirs}/documents", focal_point) == 403
    assert get(f"{theirs}/documents", None) == 403  # the organiser
    documents = api.call("registration", "GET", f"{theirs}/documents", token=desk)
    assert documents.status_code == 200 and documents.json()["passport_number"]


def test_statistics_are_pinned_to_the_focal_points_delegation(api):
    meeting = api.create_meeting()
    m = meeting["id"]
    mine, theirs = (api.register_delegation(m, quota=5) for _ in range(2))
    _nominated(api, m, mine["id"])
    for _ in range(2):
        _nominated(api, m, theirs["id"])
    focal_point = api.token_for("focal_point", delegation_id=mine["id"], subject="fp-stats")

    def statistics(token: str | None, **params) -> dict:
        response = api.call(
            "registration", "GET", f"/v1/meetings/{m}/statistics", params=params, token=token
        )
        assert response.status_code == 200, response.text
        return response.json()

    for asked in ({}, {"delegation_id": theirs["id"]}):
        counted = statistics(focal_point, **asked)
        assert (counted["delegation_id"], counted["total"]) == (mine["id"], 1)
        assert counted["by_delegation"] == {mine["id"]: 1}
    assert statistics(None)["total"] == 3
    assert statistics(None, delegation_id=theirs["id"])["total"] == 2

    claimless = api.token_for("focal_point", subject="fp-no-claim")
    refused = api.call("registration", "GET", f"/v1/meetings/{m}/statistics", token=claimless)
    assert refused.status_code == 403 and "delegation_id" in refused.json()["detail"]
