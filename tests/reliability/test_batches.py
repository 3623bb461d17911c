"""Events of one fetch handled in one transaction: a poison record, a crash mid-batch, mixed keys."""

import asyncio
import collections
import contextlib
import itertools

from sqlalchemy import func, select
from test_messaging import (
    consumer_metric,
    make_consumer,
    parked_count,
    recording_handler,
    relay_all,
    run_until,
    statements_sent,
)

from plenary_shared.consumer import NotYetKnown

EVENT = "reltest.thing.happened"


async def published(scratch, count: int, *, keys: int) -> None:
    """`count` events, keys taking turns, all on the topic before anyone reads."""
    for seq in range(count):
        await scratch.emit(key=f"k{seq % keys}", seq=seq)
    producer = scratch.producer()
    await producer.start()
    try:
        assert await relay_all(scratch, producer) == count
    finally:
        await producer.stop()


async def effects(scratch) -> list[int]:
    async with scratch.engine.connect() as conn:
        return sorted((await conn.scalars(select(scratch.effects.c.seq))).all())


async def test_a_poison_record_in_a_batch_is_dead_lettered_alone(scratch):
    await published(scratch, 30, keys=6)
    record, _ = recording_handler(scratch)

    async def poisoned(uow, event):
        await record(uow, event)
        if event.data["seq"] == 13:
            raise ValueError("seq 13 cannot be handled")

    producer = scratch.producer()
    await producer.start()
    try:
        consumer = make_consumer(scratch, producer, {EVENT: poisoned})
        with statements_sent(scratch, "INSERT INTO", "inbox") as sent:
            await run_until(consumer, lambda: _dead_lettered_and_the_rest_done(scratch, consumer))
    finally:
        await producer.stop()
    assert await effects(scratch) == [s for s in range(30) if s != 13], "each other event once"
    assert consumer_metric(consumer, "handled") == 29
    assert consumer_metric(consumer, "dead_lettered") == 1
    # the partitions without the poison were handled a batch at a time
    assert len(sent) < 29, sent


async def test_a_crash_mid_batch_leaves_nothing_and_the_next_member_does_it_all_once(scratch):
    await published(scratch, 30, keys=5)
    record, _ = recording_handler(scratch)

    class Crash(BaseException):
        """The process dies: nothing after this line runs."""

    turns = itertools.count(1)
    by_transaction: dict[int, list[int]] = collections.defaultdict(list)
    crashed: list[int] = []

    async def crashes_once(uow, event):
        turn = next(turns)  # partitions take turns while one awaits: count before awaiting
        by_transaction[id(uow)].append(event.data["seq"])
        await record(uow, event)
        if turn == 5:
            crashed.extend(by_transaction[id(uow)])
            raise Crash

    producer = scratch.producer()
    await producer.start()
    try:
        crashing = make_consumer(scratch, producer, {EVENT: crashes_once})
        task = asyncio.create_task(crashing.run())
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, 30)
        assert crashed, "died in the middle of a batch"
        assert set(crashed) & set(await effects(scratch)) == set(), "its batch never committed"

        survivor = make_consumer(scratch, producer, {EVENT: record})
        await run_until(survivor, lambda: _effects_at_least(scratch, 30))
        await asyncio.sleep(0.5)
    finally:
        await producer.stop()
    assert await effects(scratch) == list(range(30))


async def test_a_batch_of_mixed_keys_keeps_each_keys_order(scratch):
    await published(scratch, 60, keys=4)
    record, _ = recording_handler(scratch)
    producer = scratch.producer()
    await producer.start()
    try:
        consumer = make_consumer(scratch, producer, {EVENT: record})
        with statements_sent(scratch, "INSERT INTO", "inbox") as sent:
            await run_until(consumer, lambda: _effects_at_least(scratch, 60))
    finally:
        await producer.stop()
    for key in range(4):
        assert await scratch.effect_seqs(f"k{key}") == list(range(key, 60, 4))
    assert len(sent) < 60 / 4, "several keys in each transaction"


async def test_events_about_something_unknown_are_parked_by_their_batch_and_only_they_wait(
    scratch,
):
    await published(scratch, 40, keys=8)
    known = {f"k{n}" for n in range(8)} - {"k0", "k4"}
    record, _ = recording_handler(scratch)

    async def needs_its_key(uow, event):
        await record(uow, event)  # an effect first: parking the event must undo it
        if event.data["key"] not in known:
            raise NotYetKnown(f"{event.data['key']} is not known yet")

    producer = scratch.producer()
    await producer.start()
    try:
        consumer = make_consumer(scratch, producer, {EVENT: needs_its_key})

        async def the_known_done_and_the_rest_parked():
            return await _effects_at_least(scratch, 30) and await parked_count(scratch) == 10

        with statements_sent(scratch, "INSERT INTO", "parked_events") as parkings:
            await run_until(consumer, the_known_done_and_the_rest_parked)
        waiting = [s for s in range(40) if s % 8 in (0, 4)]
        assert await effects(scratch) == [s for s in range(40) if s not in waiting]
        assert consumer_metric(consumer, "parked") == 10
        assert len(parkings) < 10, "parked a batch at a time, not a transaction each"
        assert await _inbox_count(scratch) == 30, "a parked event is not taken for handled"
        # retried while still unknown: the effects they write are undone, they stay in order
        assert await consumer.retry_parked() == 0
        assert await scratch.effect_count() == 30
        known.update({"k0", "k4"})
        with statements_sent(scratch, "DELETE", "parked_events") as deletes:
            assert await consumer.retry_parked() == 10
        assert len(deletes) == 1
    finally:
        await producer.stop()
    assert await scratch.effect_seqs("k0") == [0, 8, 16, 24, 32]
    assert await scratch.effect_seqs("k4") == [4, 12, 20, 28, 36]
    assert await parked_count(scratch) == 0


async def test_a_batch_that_fails_after_setting_events_aside_parks_each_of_them_once(scratch):
    # k0 and k1 share a partition, so one batch holds the unknown subject and the poison
    await published(scratch, 20, keys=2)
    record, _ = recording_handler(scratch)

    async def unknown_and_poisoned(uow, event):
        await record(uow, event)
        if event.data["key"] == "k0":
            raise NotYetKnown("k0 is not known yet")
        if event.data["seq"] == 11:
            raise ValueError("seq 11 cannot be handled")

    producer = scratch.producer()
    await producer.start()
    try:
        consumer = make_consumer(scratch, producer, {EVENT: unknown_and_poisoned})

        async def settled():
            return (
                await _dead_letters_at_least(scratch, 1)
                and await _effects_at_least(scratch, 9)
                and await parked_count(scratch) == 10
            )

        await run_until(consumer, settled)
        await asyncio.sleep(0.5)
    finally:
        await producer.stop()
    assert await effects(scratch) == [1, 3, 5, 7, 9, 13, 15, 17, 19]
    assert await parked_count(scratch) == 10
    assert consumer_metric(consumer, "parked") == 10
    assert consumer_metric(consumer, "dead_lettered") == 1


async def _inbox_count(scratch) -> int:
    inbox = scratch.tables.inbox
    async with scratch.engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(inbox))


async def _dead_letters_at_least(scratch, n: int) -> bool:
    d = scratch.tables.dead_letters
    async with scratch.engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(d)) >= n


async def _dead_lettered_and_the_rest_done(scratch, consumer) -> bool:
    counted = consumer_metric(consumer, "handled") + consumer_metric(consumer, "dead_lettered")
    return counted >= 30 and await _dead_letters_at_least(scratch, 1)


async def _effects_at_least(scratch, n: int) -> bool:
    return await scratch.effect_count() >= n
