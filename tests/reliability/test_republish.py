"""Re-publishing the outbox from a moment: the same events reach the broker again, effects do not."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from plenary_shared.consumer import DEAD_LETTER_TYPE
from plenary_shared.outbox import prune_sent, republish_since, retention_horizon

REPUBLISH = "/v1/ops/outbox/republish"


async def _copies(kafka, topic: str, event_type: str, subject: str, n: int):
    """Wait until at least `n` records of one event are on the topic; returns them."""
    found = []

    async def enough():
        found[:] = await kafka.events(topic, event_type=event_type, subject=subject)
        return len(found) >= n

    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while not await enough():
        assert datetime.now(UTC) < deadline, f"{n} copies of {event_type} not on {topic}"
    return found


async def test_republish_sends_the_same_events_again_and_consumers_absorb_them(api, kafka):
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=3)
    app = api.nominate(meeting["id"], delegation["id"]).json()
    assert api.wait_state(app["id"])["state"] == "nominated"
    before = await _copies(
        kafka, "registration.events", "registration.application.submitted", app["id"], 1
    )
    assert len(before) == 1

    answer = api.call("registration", "POST", REPUBLISH, json={"since": since})
    assert answer.status_code == 202, answer.text
    assert answer.json()["queued"] >= 1

    # the broker holds the event twice, with the same id; the delegation service read both
    twice = await _copies(
        kafka, "registration.events", "registration.application.submitted", app["id"], 2
    )
    assert {e["id"] for _, e in twice} == {before[0][1]["id"]}
    last = twice[-1][0]
    await kafka.wait_consumed("delegation", last.topic, last.partition, last.offset)
    seen = api.call("delegation", "GET", f"/v1/delegations/{delegation['id']}").json()
    assert seen["quota_used"] == 1

    # the other way round: the delegation's acceptance again, absorbed by registration
    answer = api.call("delegation", "POST", REPUBLISH, json={"since": since})
    assert answer.status_code == 202 and answer.json()["queued"] >= 2  # registered, accepted
    accepted = await _copies(
        kafka, "delegation.events", "delegation.nomination.accepted", app["id"], 2
    )
    assert len({e["id"] for _, e in accepted}) == 1
    last = accepted[-1][0]
    await kafka.wait_consumed("registration", last.topic, last.partition, last.offset)
    assert (
        api.call("registration", "GET", f"/v1/applications/{app['id']}").json()["state"]
        == "nominated"
    )
    seen = api.call("delegation", "GET", f"/v1/delegations/{delegation['id']}").json()
    assert seen["quota_used"] == 1


def test_republish_is_for_staff_and_within_the_retention(api):
    delegation_id = "00000000-0000-4000-8000-000000000001"
    focal_point = api.token_for("focal_point", delegation_id=delegation_id, subject="fp-rp")
    now = datetime.now(UTC)
    refused = api.call(
        "scheduling", "POST", REPUBLISH, json={"since": now.isoformat()}, token=focal_point
    )
    assert refused.status_code == 403, refused.text
    for since in (now + timedelta(hours=1), now - timedelta(days=8)):
        answer = api.call("scheduling", "POST", REPUBLISH, json={"since": since.isoformat()})
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == ["since"]
    naive = api.call("scheduling", "POST", REPUBLISH, json={"since": "2026-12-01T10:00:00"})
    assert naive.status_code == 422
    assert api.call("scheduling", "POST", REPUBLISH, json={}).status_code == 422


async def test_pruning_deletes_only_sent_rows_past_the_retention(scratch):
    o = scratch.tables.outbox
    for seq in range(7):
        await scratch.emit(key="k", seq=seq)
    await scratch.emit(key="k", seq=99, event_type=DEAD_LETTER_TYPE)
    old = datetime.now(UTC) - timedelta(hours=200)
    async with scratch.engine.begin() as conn:
        ids = (await conn.execute(select(o.c.id).order_by(o.c.id))).scalars().all()
        await conn.execute(update(o).values(sent_at=datetime.now(UTC)))
        # five old rows, one of them never sent; three recent ones
        await conn.execute(update(o).where(o.c.id.in_(ids[:5])).values(created_at=old))
        await conn.execute(update(o).where(o.c.id == ids[4]).values(sent_at=None))
    horizon = retention_horizon(168)
    assert await prune_sent(scratch.engine, scratch.tables, before=horizon, batch_size=2) == 4
    async with scratch.engine.connect() as conn:
        left = (await conn.execute(select(o.c.id).order_by(o.c.id))).scalars().all()
    assert left == ids[4:]

    # a republish marks the sent rows unsent again, but not the dead-letter record
    queued = await republish_since(
        scratch.engine, scratch.tables, horizon, skip_types=(DEAD_LETTER_TYPE,)
    )
    assert queued == 2
    async with scratch.engine.connect() as conn:
        unsent = (await conn.execute(select(o.c.id).where(o.c.sent_at.is_(None)))).scalars()
        assert sorted(unsent) == ids[4:7]
