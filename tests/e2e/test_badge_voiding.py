"""A badge is voided with its holder's accreditation: revoked, withdrawn, or the delegation withdrawn."""

import asyncio
from contextlib import suppress

import pytest

from plenary_client import Conflict, NotFound, registration
from plenary_devstack.testing import wait_for

TOPIC = "registration.events"
VOIDED = "registration.badge.voided"


def _accredited(api, meeting, delegation) -> str:
    """An accredited application whose badge is issued; its id."""
    app_id = api.submit(meeting["id"], delegation["id"])["id"]
    assert api.wait_state(app_id)["state"] == "nominated"
    api.plenary().registration.decide(app_id, {"decision": "grant"})
    _badge_when(api, app_id, lambda b: b.status == "active")
    return app_id


def _badge_when(api, app_id: str, ready) -> registration.BadgeRead:
    """The application's badge once `ready` holds for it."""

    def current():
        with suppress(NotFound):
            badge = _badge(api, app_id)
            return ready(badge) and badge
        return None

    return wait_for(current, what=f"the badge of {app_id}")


def _badge(api, app_id: str) -> registration.BadgeRead:
    return api.plenary().registration.get_badge(app_id)


async def _voided(kafka, app_id: str) -> list[dict]:
    """The badge.voided events of an application (by id), once any duplicate would be there."""
    await kafka.wait_events(TOPIC, event_type=VOIDED, subject=app_id)
    await asyncio.sleep(1.0)
    found = await kafka.events(TOPIC, event_type=VOIDED, subject=app_id)
    return list({event["id"]: event["data"] for _, event in found}.values())


def _scan(api, code: str, checkpoint: str) -> registration.CheckinRead:
    scan = {"code": code, "zone": "plenary", "checkpoint": checkpoint}
    return api.plenary().registration.check_in(scan)


async def test_a_revocation_voids_the_badge_at_once_and_says_so(api, client, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    app_id = _accredited(api, meeting, delegation)
    active = _badge(api, app_id)
    assert (active.status, active.void_reason, active.voided_at) == ("active", None, None)

    revocation = {"reason": "security incident at the venue"}
    client.registration.revoke(app_id, revocation)
    # in the same transaction: no wait for a consumer
    badge = _badge(api, app_id)
    assert (badge.id, badge.status, badge.void_reason) == (active.id, "void", "revoked")
    assert badge.voided_at is not None

    with pytest.raises(Conflict):
        client.registration.revoke(app_id, revocation)
    [data] = await _voided(kafka, app_id)
    assert data["badge_id"] == str(active.id) and data["badge_number"] == active.badge_number
    assert (data["reason"], data["delegation_id"]) == ("revoked", delegation["id"])

    denied = _scan(api, active.qr_token, "Gate RV")
    assert (denied.allowed, denied.reason) == (False, "revoked")


async def test_a_withdrawal_voids_the_badge(api, client, kafka):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    app_id = _accredited(api, meeting, delegation)
    active = _badge(api, app_id)

    client.registration.withdraw(app_id, {"reason": "the minister cannot travel"})
    badge = _badge(api, app_id)
    assert (badge.status, badge.void_reason) == ("void", "withdrawn")
    [data] = await _voided(kafka, app_id)
    assert (data["badge_id"], data["reason"]) == (str(active.id), "withdrawn")
    denied = _scan(api, active.qr_token, "Gate WV")
    assert (denied.allowed, denied.reason) == (False, "withdrawn")


async def test_a_withdrawn_delegation_voids_every_badge_once_even_when_told_twice(
    api, client, kafka, producer
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=5)
    first, second = (_accredited(api, meeting, delegation) for _ in range(2))
    lost = _badge(api, second)
    replacement = client.registration.reissue_badge(second)

    client.delegation.withdraw_delegation(delegation["id"], {"reason": "Recalled"})
    [(record, _)] = await kafka.wait_events(
        "delegation.events", event_type="delegation.delegation.withdrawn", subject=delegation["id"]
    )
    await kafka.wait_consumed("registration", record.topic, record.partition, record.offset)

    again = await producer.send_and_wait(
        record.topic, record.value, key=record.key, headers=list(record.headers)
    )
    await kafka.wait_consumed("registration", again.topic, again.partition, again.offset)

    badge = _badge(api, first)
    assert (badge.status, badge.void_reason) == ("void", "withdrawn")
    badge = _badge(api, second)
    assert (badge.id, badge.status, badge.void_reason) == (replacement.id, "void", "withdrawn")
    # one event per badge that was active, none for the lost one (void already), none twice
    assert [d["badge_id"] for d in await _voided(kafka, first)] == [str(_badge(api, first).id)]
    assert [d["badge_id"] for d in await _voided(kafka, second)] == [str(replacement.id)]
    assert replacement.replaces == lost.id
    history = client.registration.get_history(second)
    assert [h.to_state for h in history].count("withdrawn") == 1
