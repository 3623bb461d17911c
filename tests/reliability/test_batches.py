"""Events of one fetch handled in one transaction: a poison record, a crash mid-batch, mixed keys,
and runs of one type taken at once by a set-based (`Batched`) handler."""

import asyncio
import collections
import contextlib
import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from test_messaging import (
    consumer_metric,
    make_consumer,
    parked_count,
    recording_handler,
    relay_all,
    run_until,
    seen,
    statements_sent,
)

from plenary_shared.consumer import Batched, NotYetKnown
from plenary_shared.outbox import republish_since

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


def recording_many(scratch, runs: list[list[str]]):
    """A set-based handler: one statement writes the effects of a whole run; each run's
    subjects are kept in `runs`."""

    async def many(uow, events):
        runs.append([event.subject for event in events])
        await uow.conn.execute(
            scratch.effects.insert(),
            [{"event_id": e.id, "key": e.data["key"], "seq": e.data["seq"]} for e in events],
        )

    return many


async def test_a_run_of_one_type_is_handled_at_once_and_each_keys_order_holds(scratch):
    other = "reltest.other.happened"
    for seq in range(60):  # every tenth event of another type, which breaks a run
        await scratch.emit(
            key=f"k{seq % 24}", seq=seq, event_type=other if seq % 10 == 5 else EVENT
        )
    producer = scratch.producer()
    await producer.start()
    runs: list[list[str]] = []
    record, _ = recording_handler(scratch)
    try:
        assert await relay_all(scratch, producer) == 60
        consumer = make_consumer(
            scratch,
            producer,
            {EVENT: Batched(record, recording_many(scratch, runs)), other: record},
        )
        with statements_sent(scratch, "INSERT INTO", "effects") as writes:
            await run_until(consumer, lambda: _effects_at_least(scratch, 60))
        await asyncio.sleep(0.3)
    finally:
        await producer.stop()
    assert await effects(scratch) == list(range(60)), "each event once"
    for key in range(24):
        assert await scratch.effect_seqs(f"k{key}") == list(range(key, 60, 24))
    assert all(len(set(run)) == len(run) for run in runs), "a run never holds a subject twice"
    assert max(map(len, runs)) > 1, runs
    assert len(writes) < 60 / 3, "a statement per run, not per event"


async def test_an_unknown_event_in_a_run_is_parked_alone_and_the_run_applied_once(scratch):
    await published(scratch, 40, keys=8)
    known = {f"k{n}" for n in range(8)} - {"k3"}
    record, _ = recording_handler(scratch)
    runs: list[list[str]] = []
    write_all = recording_many(scratch, runs)

    async def one(uow, event):
        await record(uow, event)
        if event.data["key"] not in known:
            raise NotYetKnown(f"{event.data['key']} is not known yet")

    async def many(uow, events):
        await write_all(uow, events)  # effects first: the unknown one must undo them all
        if unknown := {e.subject for e in events} - known:
            raise NotYetKnown(f"{sorted(unknown)} not known yet")

    producer = scratch.producer()
    await producer.start()
    try:
        consumer = make_consumer(scratch, producer, {EVENT: Batched(one, many)})

        async def the_known_done_and_the_rest_parked():
            return await _effects_at_least(scratch, 35) and await parked_count(scratch) == 5

        await run_until(consumer, the_known_done_and_the_rest_parked)
        assert await effects(scratch) == [s for s in range(40) if s % 8 != 3]
        assert consumer_metric(consumer, "parked") == 5
        known.add("k3")
        assert await consumer.retry_parked() == 5
    finally:
        await producer.stop()
    assert await scratch.effect_seqs("k3") == [3, 11, 19, 27, 35]
    assert await effects(scratch) == list(range(40)), "each event once"


async def test_a_run_cut_by_a_crash_is_done_once_and_again_delivered_changes_nothing(scratch):
    await published(scratch, 30, keys=30)
    record, _ = recording_handler(scratch)
    runs: list[list[str]] = []
    write_all = recording_many(scratch, runs)

    class Crash(BaseException):
        """The process dies: nothing after this line runs."""

    async def crashes(uow, events):
        await write_all(uow, events)
        raise Crash

    producer = scratch.producer()
    await producer.start()
    try:
        crashing = make_consumer(scratch, producer, {EVENT: Batched(record, crashes)})
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(crashing.run(), 30)
        assert runs and await scratch.effect_count() == 0, "the run died before its commit"

        survivor = make_consumer(scratch, producer, {EVENT: Batched(record, write_all)})
        await run_until(survivor, lambda: seen(survivor, 30))
        # every event published again, as a republish after a broker loss does
        since = datetime.now(UTC) - timedelta(hours=1)
        assert await republish_since(scratch.engine, scratch.tables, since, skip_types=()) == 30
        assert await relay_all(scratch, producer) == 30
        await run_until(survivor, lambda: seen(survivor, 60))
    finally:
        await producer.stop()
    # at least the 30 republished: a rebalance on a busy machine may hand some over once more
    assert consumer_metric(survivor, "duplicate") >= 30
    assert await effects(scratch) == list(range(30)), "each event once"


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
