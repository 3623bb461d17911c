"""The accreditation workflow: vetting, withdrawal, revocation, the delegation cascade, edits."""

import base64
import json
import uuid

import pytest

from plenary_client import Conflict
from plenary_devstack.testing import person, platform_record, wait_for

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _nominated(api, meeting, delegation, **overrides):
    app = api.submit(meeting["id"], delegation["id"], **overrides)
    assert api.wait_state(app["id"])["state"] == "nominated"
    return app


def _post(api, path, body, **kw):
    return api.call("registration", "POST", path, json=body, **kw)


async def test_vetting_gates_accreditation_then_revocation_is_audited(api, client, kafka):
    meeting = api.create_meeting(requires_vetting=True)
    assert meeting["requires_vetting"] is True
    delegation = api.register_delegation(meeting["id"])
    app = _nominated(api, meeting, delegation)
    registration = client.registration
    assert registration.get_application(app["id"]).vetting == "pending"

    with pytest.raises(Conflict, match="vetting") as early:
        registration.decide(app["id"], {"decision": "grant"})
    assert early.value.extras["vetting"] == "pending"

    cleared = registration.record_vetting(app["id"], {"outcome": "cleared"})
    assert cleared.vetting == "cleared"
    with pytest.raises(Conflict):
        registration.record_vetting(app["id"], {"outcome": "flagged", "note": "x"})

    granted = registration.decide(app["id"], {"decision": "grant"})
    assert granted.state == "accredited"
    revoked = registration.revoke(app["id"], {"reason": "Security incident at the venue"})
    assert revoked.state == "revoked"
    with pytest.raises(Conflict) as twice:
        registration.revoke(app["id"], {"reason": "again please"})
    assert twice.value.current_state == "revoked"

    history = registration.get_history(app["id"])
    assert [(h.to_state, h.actor) for h in history] == [
        ("submitted", "test-organiser"),
        ("nominated", "system:delegation"),
        ("nominated", "test-organiser"),
        ("accredited", "test-organiser"),
        ("revoked", "test-organiser"),
    ]
    assert history[2].reason == "security vetting cleared"
    assert history[-1].reason == "Security incident at the venue"
    for event_type in ("registration.vetting.cleared", "registration.accreditation.revoked"):
        found = await kafka.wait_events(
            "registration.events", event_type=event_type, subject=app["id"]
        )
        assert len(found) == 1


def test_a_flagged_nominee_can_only_be_refused(api):
    meeting = api.create_meeting(requires_vetting=True)
    delegation = api.register_delegation(meeting["id"])
    app = _nominated(api, meeting, delegation)
    no_note = _post(api, f"/v1/applications/{app['id']}/vetting", {"outcome": "flagged"})
    assert no_note.status_code == 422 and "note is required" in no_note.json()["detail"]
    _post(api, f"/v1/applications/{app['id']}/vetting", {"outcome": "flagged", "note": "Listed"})
    grant = _post(api, f"/v1/applications/{app['id']}/decision", {"decision": "grant"})
    assert grant.status_code == 409 and "can only be refused" in grant.json()["detail"]
    refuse = _post(
        api, f"/v1/applications/{app['id']}/decision", {"decision": "refuse", "reason": "Vetting"}
    )
    assert refuse.json()["state"] == "refused"


async def test_a_focal_point_withdraws_at_every_stage_and_only_its_own(api, kafka, producer):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=10)
    other = api.register_delegation(meeting["id"])
    mine = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-own")
    theirs = api.token_for("focal_point", delegation_id=other["id"], subject="fp-other")

    submitted = api.nominate(meeting["id"], delegation["id"], token=mine).json()
    at_once = _post(
        api,
        f"/v1/applications/{submitted['id']}/withdrawal",
        {"reason": "Wrong person"},
        token=mine,
    )
    assert at_once.status_code == 200 and at_once.json()["state"] == "withdrawn"

    nominated = _nominated(api, meeting, delegation)
    accredited = _nominated(api, meeting, delegation)
    _post(api, f"/v1/applications/{accredited['id']}/decision", {"decision": "grant"})
    for app in (nominated, accredited):
        denied = _post(
            api, f"/v1/applications/{app['id']}/withdrawal", {"reason": "Not mine"}, token=theirs
        )
        assert denied.status_code == 404
        done = _post(
            api, f"/v1/applications/{app['id']}/withdrawal", {"reason": "Illness"}, token=mine
        )
        assert done.json()["state"] == "withdrawn"
        again = _post(
            api, f"/v1/applications/{app['id']}/withdrawal", {"reason": "Illness"}, token=mine
        )
        assert again.status_code == 409 and again.json()["current_state"] == "withdrawn"

    # a delegation answer that arrives after the withdrawal changes nothing and is not an error
    late = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/plenary/delegation",
        "type": "delegation.nomination.accepted",
        "subject": submitted["id"],
        "time": "2025-11-10T09:00:00Z",
        "data": {
            "application_id": submitted["id"],
            "delegation_id": delegation["id"],
            "meeting_id": meeting["id"],
            "category": "delegate",
            "quota": 10,
            "used": 1,
        },
    }
    key, value, headers = platform_record(late)
    sent = await producer.send_and_wait("delegation.events", value, key=key, headers=headers)
    await kafka.wait_consumed("registration", "delegation.events", sent.partition, sent.offset)
    assert (
        api.call("registration", "GET", f"/v1/applications/{submitted['id']}").json()["state"]
        == "withdrawn"
    )
    dead = api.call("registration", "GET", "/v1/ops/dead-letters", params={"limit": 500}).json()[
        "items"
    ]
    assert late["id"] not in {d["event_id"] for d in dead}
    withdrawn = await kafka.wait_events(
        "registration.events",
        event_type="registration.application.withdrawn",
        subject=submitted["id"],
    )
    assert json.loads(withdrawn[0][0].value)["data"]["previous_state"] in ("submitted", "nominated")


async def test_a_withdrawn_delegation_withdraws_its_open_applications_and_frees_its_seats(
    api, client, kafka
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=5)
    accredited = _nominated(api, meeting, delegation)
    client.registration.decide(accredited["id"], {"decision": "grant"})
    nominated = _nominated(api, meeting, delegation)
    refused = _nominated(api, meeting, delegation)
    client.registration.decide(refused["id"], {"decision": "refuse", "reason": "Late"})

    client.delegation.withdraw_delegation(delegation["id"], {"reason": "Recalled"})
    [(_, event)] = await kafka.wait_events(
        "delegation.events", event_type="delegation.delegation.withdrawn", subject=delegation["id"]
    )

    def states():
        listed = client.registration.iter_list_applications(meeting["id"])
        found = {str(a.id): a.state for a in listed}
        return found if found[nominated["id"]] == "withdrawn" else None

    final = wait_for(states, what="the cascade")
    assert final == {
        accredited["id"]: "withdrawn",
        nominated["id"]: "withdrawn",
        refused["id"]: "refused",
    }
    for app in (accredited, nominated):
        found = await kafka.wait_events(
            "registration.events",
            event_type="registration.application.withdrawn",
            subject=app["id"],
        )
        data = json.loads(found[0][0].value)
        assert data["causationid"] == event["id"]
        assert data["data"]["reason"] == "delegation withdrawn: Recalled"
    freed = wait_for(
        lambda: client.delegation.get_delegation(delegation["id"]).quota_used == 0,
        what="every seat freed",
    )
    assert freed


def test_edits_before_the_decision_rerun_validation_and_stop_after_it(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    app = _nominated(api, meeting, delegation, given_name_native="Айгерим", language="ru")
    assert app["given_name_native"] == "Айгерим" and app["language"] == "ru"
    path = f"/v1/applications/{app['id']}"

    fixed = api.call(
        "registration", "PATCH", path, json={"family_name": "Nurlanovna", "phone": "+7 701 1234567"}
    )
    assert fixed.status_code == 200
    assert fixed.json()["family_name"] == "Nurlanovna" and fixed.json()["phone"] == "+7 701 1234567"
    bad = api.call("registration", "PATCH", path, json={"date_of_birth": "2999-01-01"})
    assert bad.status_code == 422 and "in the past" in bad.json()["detail"]
    expired = api.call("registration", "PATCH", path, json={"passport_expiry": "2001-01-01"})
    assert expired.status_code == 422 and "expired" in expired.json()["detail"]
    assert api.call("registration", "PATCH", path, json={}).status_code == 422

    photo = api.call(
        "registration", "PUT", f"{path}/photo", content=PNG, headers={"content-type": "image/png"}
    )
    assert photo.status_code == 204
    got = api.call("registration", "GET", f"{path}/photo")
    assert got.content == PNG and got.headers["content-type"] == "image/png"
    gif = api.call(
        "registration",
        "PUT",
        f"{path}/photo",
        content=b"GIF89a....",
        headers={"content-type": "image/gif"},
    )
    assert gif.status_code == 422 and "JPEG or PNG" in gif.json()["detail"]

    _post(api, f"{path}/decision", {"decision": "grant"})
    late = api.call("registration", "PATCH", path, json={"family_name": "Other"})
    assert late.status_code == 409 and late.json()["current_state"] == "accredited"
    history = api.call("registration", "GET", f"{path}/history").json()
    assert "details updated: family_name, phone" in [h["reason"] for h in history]


def test_only_the_accreditation_desk_sees_document_data(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    body = person(delegation_id=delegation["id"], passport_expiry="2031-05-31")
    app = api.call(
        "registration", "POST", f"/v1/meetings/{meeting['id']}/applications", json=body
    ).json()
    assert body["passport_number"] not in json.dumps(app)
    assert app["passport_number_masked"].endswith(body["passport_number"][-2:])
    path = f"/v1/applications/{app['id']}/documents"
    desk = api.token_for("accreditation_desk", subject="desk-1")
    shown = api.call("registration", "GET", path, token=desk)
    assert shown.status_code == 200
    assert shown.json() == {
        "passport_number": body["passport_number"],
        "passport_expiry": "2031-05-31",
        "date_of_birth": body["date_of_birth"],
    }
    focal_point = api.token_for("focal_point", delegation_id=delegation["id"])
    for token in (None, focal_point):
        denied = api.call("registration", "GET", path, token=token)
        assert denied.status_code == 403 and body["passport_number"] not in denied.text


def test_a_new_category_runs_the_quota_check_again(api, client):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=5, category_quotas={"media": 1})
    registration = client.registration

    moved = _nominated(api, meeting, delegation, category="delegate")
    changed = registration.update_application(moved["id"], {"category": "media"})
    assert changed.state == "submitted"
    assert api.wait_state(moved["id"])["state"] == "nominated"
    assert registration.get_application(moved["id"]).category == "media"

    refused = _nominated(api, meeting, delegation, category="delegate")
    registration.update_application(refused["id"], {"category": "media"})
    after = api.wait_state(refused["id"])
    assert (after["state"], after["reason"]) == ("rejected", "quota_exceeded")

    used = wait_for(
        lambda: (d := client.delegation.get_delegation(delegation["id"])).quota_used == 1 and d,
        what="the seats to settle",
    )
    assert used.category_used.get("media") == 1 and not used.category_used.get("delegate")
    history = registration.get_history(moved["id"])
    assert [h.to_state for h in history] == [
        "submitted",
        "nominated",
        "nominated",
        "submitted",
        "nominated",
    ]
    assert "category changed from delegate to media" in (history[3].reason or "")


def test_counts_by_state_are_per_delegation_and_a_focal_point_gets_only_its_own(api):
    meeting = api.create_meeting()
    ours = api.register_delegation(meeting["id"], quota=1)
    theirs = api.register_delegation(meeting["id"], quota=5)
    _nominated(api, meeting, ours)
    over = api.submit(meeting["id"], ours["id"])
    assert api.wait_state(over["id"])["state"] == "rejected"
    _nominated(api, meeting, theirs)
    path = f"/v1/meetings/{meeting['id']}/statistics"

    def counts(delegation_id=None, token=None):
        answer = api.plenary(token).registration.statistics(
            meeting["id"], delegation_id=delegation_id
        )
        return answer.model_dump(mode="json")

    assert counts()["by_state"] == {"nominated": 2, "rejected": 1}
    mine = counts(ours["id"])
    assert (mine["delegation_id"], mine["by_state"]) == (
        ours["id"],
        {"nominated": 1, "rejected": 1},
    )
    focal_point = api.token_for("focal_point", delegation_id=ours["id"], subject="fp-counts")
    # asking for another delegation's counts still gives its own
    asked = counts(theirs["id"], token=focal_point)
    assert asked["by_delegation"] == {ours["id"]: 2} and asked["total"] == 2
    # a focal point token without its delegation is refused, not given empty counts (raw HTTP)
    unbound = api.token_for("focal_point", subject="fp-of-no-delegation")
    refused = api.call("registration", "GET", path, token=unbound)
    assert refused.status_code == 403 and "delegation_id" in refused.json()["detail"]
    participant = api.token_for("participant", subject=str(uuid.uuid4()))
    refused = api.call("registration", "GET", path, token=participant)
    assert refused.status_code == 403 and "focal_point" in refused.json()["detail"]
