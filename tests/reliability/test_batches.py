"""Events of one fetch handled in one transaction: a poison record, a crash mid-batch, mixed keys."""

import asyncio
import collections
import contextlib
import itertools

from sqlalchemy import func, select
from test_messaging import (
    consumer_metric,
    make_consumer,
    recording_handler,
    relay_all,
    run_until,
    statements_sent,
)

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


async def _dead_letters_at_least(scratch, n: int) -> bool:
    d = scratch.tables.dead_letters
    async with scratch.engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(d)) >= n


async def _dead_lettered_and_the_rest_done(scratch, consumer) -> bool:
    counted = consumer_metric(consumer, "handled") + consumer_metric(consumer, "dead_lettered")
    return counted >= 30 and await _dead_letters_at_least(scratch, 1)


async def _effects_at_least(scratch, n: int) -> bool:
    return await scratch.effect_count() >= n
