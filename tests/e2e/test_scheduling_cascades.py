"""Reactions to the other services: a revoked or withdrawn participant leaves every session, a
withdrawn delegation takes its people and head out and its bilaterals are cancelled. Each event
delivered twice acts once, and a crash between the effects and the commit leaves nothing."""

import uuid
from datetime import UTC, datetime

import pytest
from scheduling_world import Timetable
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_client import Conflict
from plenary_devstack.testing import wait_for
from plenary_scheduling.adapters.repository import Repository
from plenary_scheduling.adapters.tables import messaging
from plenary_scheduling.service_layer import reactions
from plenary_shared.consumer import EventConsumer
from plenary_shared.envelope import CloudEvent


@pytest.fixture(scope="module")
def tt(api):
    return Timetable(api)


def _two_sessions(tt, person, hour: int):
    sessions = []
    for offset in (0, 2):
        session = tt.scheduled(
            tt.room(),
            f"2025-11-17T{hour + offset:02d}:00:00",
            f"2025-11-17T{hour + offset:02d}:45:00",
        )
        tt.assign(session["id"], person, expect=200)
        sessions.append(session["id"])
    return sessions


async def _removed(kafka, application_id: str) -> list[dict]:
    found = await kafka.events("scheduling.events", event_type="scheduling.attendance.removed")
    return [e for _, e in found if e["data"]["application_id"] == application_id]


async def test_a_revoked_participant_leaves_every_session_once_even_when_redelivered(
    tt, api, kafka, producer
):
    delegation = tt.delegation()
    person, stays = tt.accredited(delegation["id"]), tt.accredited(delegation["id"])
    sessions = _two_sessions(tt, person, 9)
    tt.assign(sessions[0], stays, expect=200)
    tt.client.registration.revoke(person, {"reason": "Badge misused"})
    wait_for(lambda: all(person not in tt.attendees(s) for s in sessions), what="the cascade")
    assert tt.attendees(sessions[0]) == {stays}
    removed = await kafka.wait_events(
        "scheduling.events", event_type="scheduling.attendance.removed", subject=sessions[1]
    )
    events = await _removed(kafka, person)
    assert sorted(e["data"]["session_id"] for e in events) == sorted(sessions)
    assert {e["data"]["reason"] for e in events} == {"accreditation_revoked"}
    data = removed[0][1]["data"]
    assert (data["delegation_id"], data["meeting_id"], data["timezone"]) == (
        delegation["id"],
        tt.id,
        "Europe/Moscow",
    )
    # he can no longer be assigned
    with pytest.raises(Conflict, match="is revoked"):
        tt.client.scheduling.assign_attendance(sessions[0], {"application_ids": [person]})

    original = (
        await kafka.events(
            "registration.events", event_type="registration.accreditation.revoked", subject=person
        )
    )[0][0]
    again = await producer.send_and_wait(
        original.topic, original.value, key=original.key, headers=list(original.headers)
    )
    await kafka.wait_consumed("scheduling", original.topic, again.partition, again.offset)
    assert len(await _removed(kafka, person)) == 2


async def test_a_withdrawn_application_leaves_every_session(tt, api, kafka, producer):
    delegation = tt.delegation()
    person = tt.accredited(delegation["id"])
    sessions = _two_sessions(tt, person, 13)
    tt.client.registration.withdraw(person, {"reason": "Called back to the capital"})
    wait_for(lambda: all(person not in tt.attendees(s) for s in sessions), what="the cascade")
    participants = tt.client.scheduling.iter_list_participants(tt.id, page_size=500)
    assert person not in {str(p.application_id) for p in participants}
    events = [
        e for e in await _removed(kafka, person) if e["data"]["reason"] == "accreditation_withdrawn"
    ]
    assert len(events) == 2
    original = (
        await kafka.events(
            "registration.events", event_type="registration.application.withdrawn", subject=person
        )
    )[0][0]
    again = await producer.send_and_wait(
        original.topic, original.value, key=original.key, headers=list(original.headers)
    )
    await kafka.wait_consumed("scheduling", original.topic, again.partition, again.offset)
    assert len(await _removed(kafka, person)) == 2


async def test_a_withdrawn_delegation_takes_its_people_and_head_out_and_cancels_its_bilaterals(
    tt, api, kafka, producer
):
    leaving, staying = tt.delegation(name="Leaving Republic"), tt.delegation(name="Staying")
    person, other = tt.accredited(leaving["id"]), tt.accredited(staying["id"])
    tt.room("Bilateral room W", capacity=8, bilateral=True)
    plenary = tt.scheduled(
        tt.room(),
        "2025-11-18T09:00:00",
        "2025-11-18T10:00:00",
        head_delegation_ids=[leaving["id"], staying["id"]],
    )
    tt.assign(plenary["id"], person, other, expect=200)
    scheduling = tt.client.scheduling
    requested = scheduling.request_bilateral(
        tt.id,
        {
            "requester_delegation_id": staying["id"],
            "counterpart_delegation_id": leaving["id"],
            "slots": [{"starts_at": "2025-11-18T11:00:00", "ends_at": "2025-11-18T11:30:00"}],
        },
    )
    accepted = scheduling.accept_bilateral(requested.id, {}).model_dump(mode="json")
    pending = scheduling.request_bilateral(
        tt.id,
        {
            "requester_delegation_id": leaving["id"],
            "counterpart_delegation_id": staying["id"],
            "slots": [{"starts_at": "2025-11-18T15:00:00", "ends_at": "2025-11-18T15:30:00"}],
        },
    )

    tt.client.delegation.withdraw_delegation(
        leaving["id"], {"reason": "The delegation was recalled"}
    )
    wait_for(
        lambda: scheduling.get_session(accepted["session_id"]).status == "cancelled",
        what="the bilateral to be cancelled",
    )
    assert tt.attendees(plenary["id"]) == {other}
    heads = scheduling.get_session(plenary["id"]).head_delegation_ids
    assert [str(h) for h in heads] == [staying["id"]]
    assert scheduling.get_bilateral(pending.id).status == "declined"
    cancelled = await kafka.wait_events(
        "scheduling.events",
        event_type="scheduling.session.cancelled",
        subject=accepted["session_id"],
    )
    assert len(cancelled) == 1
    assert sorted(cancelled[0][1]["data"]["head_delegation_ids"]) == sorted(
        [leaving["id"], staying["id"]]
    )
    # delivered again: nothing is cancelled or removed twice
    original = (
        await kafka.events(
            "delegation.events", event_type="delegation.delegation.withdrawn", subject=leaving["id"]
        )
    )[0][0]
    again = await producer.send_and_wait(
        original.topic, original.value, key=original.key, headers=list(original.headers)
    )
    await kafka.wait_consumed("scheduling", original.topic, again.partition, again.offset)
    assert len(await _removed(kafka, person)) == 1
    assert (
        len(
            await kafka.events(
                "scheduling.events",
                event_type="scheduling.session.cancelled",
                subject=accepted["session_id"],
            )
        )
        == 1
    )
    declined = await kafka.events(
        "scheduling.events", event_type="scheduling.bilateral.declined", subject=str(pending.id)
    )
    assert len(declined) == 1


class Crash(Exception):
    """The process dies after the handler's effects, before the commit."""


async def _crash_then_apply(platform, event, handler, effects_sql: str, params: dict):
    """(outbox, inbox, effect rows) before, after a crash before commit, applied, and again."""
    engine = create_async_engine(
        platform.service_urls["scheduling"],
        connect_args={"server_settings": {"search_path": "scheduling"}},
    )
    consumer = EventConsumer(
        name="scheduling",
        engine=engine,
        tables=messaging,
        source="/plenary/scheduling",
        handlers={},
        producer=None,
        consumer_factory=None,
        repositories=Repository,
    )

    async def crashing(uow, event):
        await handler(uow, event)
        raise Crash

    async def effects():
        async with engine.connect() as conn:
            outbox = await conn.scalar(
                text("SELECT count(*) FROM outbox WHERE envelope->>'causationid' = :id"),
                {"id": event.id},
            )
            inbox = await conn.scalar(
                text("SELECT count(*) FROM inbox WHERE event_id = :id"), {"id": event.id}
            )
            rows = await conn.scalar(text(effects_sql), params)
        return outbox, inbox, rows

    seen = []
    try:
        seen.append(await effects())
        with pytest.raises(Crash):
            await consumer._handle(crashing, event)
        seen.append(await effects())
        assert await consumer._handle(handler, event) == "handled"
        seen.append(await effects())
        assert await consumer._handle(handler, event) == "duplicate"
        seen.append(await effects())
    finally:
        await engine.dispose()
    return seen


async def test_a_crash_between_the_revocation_cascade_and_its_commit_leaves_nothing(tt, platform):
    delegation = tt.delegation()
    person = tt.accredited(delegation["id"])
    sessions = _two_sessions(tt, person, 17)
    event = CloudEvent(
        source="/plenary/registration",
        type="registration.accreditation.revoked",
        subject=person,
        time=datetime.now(UTC),
        data={
            "application_id": person,
            "meeting_id": tt.id,
            "delegation_id": delegation["id"],
            "category": "delegate",
            "given_name": "A",
            "family_name": "B",
            "email": "a.b@example.org",
            "reason": "crash test",
        },
    )
    seen = await _crash_then_apply(
        platform,
        event,
        reactions.on_accreditation_revoked,
        "SELECT count(*) FROM attendance WHERE application_id = :a",
        {"a": uuid.UUID(person)},
    )
    # before, after the crash, applied, delivered again: (outbox, inbox, attendance rows)
    assert seen == [(0, 0, 2), (0, 0, 2), (2, 1, 0), (2, 1, 0)]
    assert all(person not in tt.attendees(s) for s in sessions)


async def test_a_crash_between_the_delegation_cascade_and_its_commit_leaves_nothing(tt, platform):
    delegation = tt.delegation()
    person = tt.accredited(delegation["id"])
    session = tt.scheduled(
        tt.room(),
        "2025-11-18T19:00:00",
        "2025-11-18T20:00:00",
        head_delegation_ids=[delegation["id"]],
    )
    tt.assign(session["id"], person, expect=200)
    event = CloudEvent(
        source="/plenary/delegation",
        type="delegation.delegation.withdrawn",
        subject=delegation["id"],
        time=datetime.now(UTC),
        data={"delegation_id": delegation["id"], "meeting_id": tt.id, "reason": "crash test"},
    )
    seen = await _crash_then_apply(
        platform,
        event,
        reactions.on_delegation_withdrawn,
        "SELECT (SELECT count(*) FROM attendance WHERE delegation_id = :d)"
        " + (SELECT count(*) FROM session_heads WHERE delegation_id = :d)"
        " + (SELECT count(*) FROM delegations WHERE id = :d AND status = 'active')",
        {"d": uuid.UUID(delegation["id"])},
    )
    # one attendance, one head, active; then removed (attendance.removed + session.updated)
    assert seen == [(0, 0, 3), (0, 0, 3), (2, 1, 0), (2, 1, 0)]
    assert tt.client.scheduling.get_session(session["id"]).head_delegation_ids == []
