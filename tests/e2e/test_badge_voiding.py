"""A badge is voided with its holder's accreditation: revoked, withdrawn, or the delegation withdrawn."""

import asyncio

from plenary_devstack.testing import wait_for

TOPIC = "registration.events"
VOIDED = "registration.badge.voided"


def _accredited(api, meeting, delegation) -> str:
    """An accredited application whose badge is issued; its id."""
    submitted = api.nominate(meeting["id"], delegation["id"])
    assert submitted.status_code == 202, submitted.text
    app_id = submitted.json()["id"]
    assert api.wait_state(app_id)["state"] == "nominated"
    decided = api.call(
        "registration", "POST", f"/v1/applications/{app_id}/decision", json={"decision": "grant"}
    )
    assert decided.status_code == 200, decided.text
    _badge_when(api, app_id, lambda b: b["status"] == "active")
    return app_id


def _badge_when(api, app_id: str, ready) -> dict:
    """The application's badge once `ready` holds for it."""

    def current():
        response = api.call("registration", "GET", f"/v1/applications/{app_id}/badge")
        return response.status_code == 200 and ready(response.json()) and response.json()

    return wait_for(current, what=f"the badge of {app_id}")


def _badge(api, app_id: str) -> dict:
    response = api.call("registration", "GET", f"/v1/applications/{app_id}/badge")
    assert response.status_code == 200, response.text
    return response.json()


async def _voided(kafka, app_id: str) -> list[dict]:
    """The badge.voided events of an application (by id), once any duplicate would be there."""
    await kafka.wait_events(TOPIC, event_type=VOIDED, subject=app_id)
    await asyncio.sleep(1.0)
    found = await kafka.events(TOPIC, event_type=VOIDED, subject=app_id)
    return list({event["id"]: event["data"] for _, event in found}.values())


def _scan(api, code: str, checkpoint: str) -> dict:
    response = api.call(
        "registration",
        "POST",
        "/v1/checkins",
        json={"code": code, "zone": "plenary", "checkpoint": checkpoint},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_revocation_voids_the_badge_at_once_and_says_so(api, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    app_id = _accredited(api, meeting, delegation)
    active = _badge(api, app_id)
    assert (active["status"], active["void_reason"], active["voided_at"]) == ("active", None, None)

    revoked = api.call(
        "registration",
        "POST",
        f"/v1/applications/{app_id}/revocation",
        json={"reason": "security incident at the venue"},
    )
    assert revoked.status_code == 200, revoked.text
    # in the same transaction: no wait for a consumer
    badge = _badge(api, app_id)
    assert (badge["id"], badge["status"], badge["void_reason"]) == (active["id"], "void", "revoked")
    assert badge["voided_at"] is not None

    again = api.call(
        "registration",
        "POST",
        f"/v1/applications/{app_id}/revocation",
        json={"reason": "security incident at the venue"},
    )
    assert again.status_code == 409
    [data] = await _voided(kafka, app_id)
    assert data["badge_id"] == active["id"] and data["badge_number"] == active["badge_number"]
    assert (data["reason"], data["delegation_id"]) == ("revoked", delegation["id"])

    denied = _scan(api, active["qr_token"], "Gate RV")
    assert (denied["allowed"], denied["reason"]) == (False, "revoked")


async def test_a_withdrawal_voids_the_badge(api, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    app_id = _accredited(api, meeting, delegation)
    active = _badge(api, app_id)

    withdrawn = api.call(
        "registration",
        "POST",
        f"/v1/applications/{app_id}/withdrawal",
        json={"reason": "the minister cannot travel"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    badge = _badge(api, app_id)
    assert (badge["status"], badge["void_reason"]) == ("void", "withdrawn")
    [data] = await _voided(kafka, app_id)
    assert (data["badge_id"], data["reason"]) == (active["id"], "withdrawn")
    denied = _scan(api, active["qr_token"], "Gate WV")
    assert (denied["allowed"], denied["reason"]) == (False, "withdrawn")


async def test_a_withdrawn_delegation_voids_every_badge_once_even_when_told_twice(
    api, kafka, producer
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=5)
    first, second = (_accredited(api, meeting, delegation) for _ in range(2))
    lost = _badge(api, second)
    reissued = api.call("registration", "POST", f"/v1/applications/{second}/badge/reissue")
    assert reissued.status_code == 201, reissued.text
    replacement = reissued.json()

    withdrawal = api.call(
        "delegation",
        "POST",
        f"/v1/delegations/{delegation['id']}/withdrawal",
        json={"reason": "Recalled"},
    )
    assert withdrawal.status_code == 200, withdrawal.text
    [(record, _)] = await kafka.wait_events(
        "delegation.events", event_type="delegation.delegation.withdrawn", subject=delegation["id"]
    )
    await kafka.wait_consumed("registration", record.topic, record.partition, record.offset)

    again = await producer.send_and_wait(
        record.topic, record.value, key=record.key, headers=list(record.headers)
    )
    await kafka.wait_consumed("registration", again.topic, again.partition, again.offset)

    badge = _badge(api, first)
    assert (badge["status"], badge["void_reason"]) == ("void", "withdrawn")
    badge = _badge(api, second)
    assert (badge["id"], badge["status"], badge["void_reason"]) == (
        replacement["id"],
        "void",
        "withdrawn",
    )
    # one event per badge that was active, none for the lost one (void already), none twice
    assert [d["badge_id"] for d in await _voided(kafka, first)] == [_badge(api, first)["id"]]
    assert [d["badge_id"] for d in await _voided(kafka, second)] == [replacement["id"]]
    assert replacement["replaces"] == lost["id"]
    history = api.call("registration", "GET", f"/v1/applications/{second}/history").json()
    assert [h["to_state"] for h in history].count("withdrawn") == 1
