"""The outbox, inbox, dead letters and parking against the real Postgres and the real broker."""

import asyncio
import contextlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from plenary_shared import metrics
from plenary_shared.consumer import ConsumerConfig, EventConsumer, NotYetKnown
from plenary_shared.outbox import OutboxRelay, republish_since

FAST = ConsumerConfig(
    max_attempts=3, backoff_seconds=0.01, park_retry_seconds=0.1, outage_backoff_max_seconds=0.05
)


def recording_handler(scratch, *, fail_first: int = 0):
    """A handler that writes one effect row per call, optionally failing its first calls."""
    calls = {"n": 0}

    async def handle(uow, event):
        calls["n"] += 1
        await uow.conn.execute(
            scratch.effects.insert().values(
                event_id=event.id, key=event.data["key"], seq=event.data["seq"]
            )
        )
        if calls["n"] <= fail_first:
            raise RuntimeError("crash between the effect and the commit")

    return handle, calls


def make_consumer(scratch, producer, handlers, *, config=FAST):
    return EventConsumer(
        name=f"{scratch.schema}-consumer",
        engine=scratch.engine,
        tables=scratch.tables,
        source="/plenary/reltest",
        handlers=handlers,
        producer=producer,
        consumer_factory=scratch.consumer_factory(f"{scratch.schema}-consumer"),
        config=config,
    )


async def run_until(consumer, condition, timeout: float = 30.0):
    """Run a consumer until `condition()` holds, then stop it."""
    task = asyncio.create_task(consumer.run())
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not await condition():
            assert not task.done(), task.exception()
            assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.contextmanager
def statements_sent(scratch, verb: str, table: str):
    """The statements sent while inside that hold `verb` (`INSERT INTO`, `DELETE`) and name
    `table`."""
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_):
        if verb in statement.upper() and table in statement:
            sent.append(statement)

    engine = scratch.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def waiting_for_its_key(scratch, known: set[str]):
    """A recording handler that parks an event until its key is in `known`."""
    record, _ = recording_handler(scratch)

    async def handle(uow, event):
        if event.data["key"] not in known:
            raise NotYetKnown(f"{event.data['key']} is not known yet")
        await record(uow, event)

    return handle


async def parked_count(scratch) -> int:
    p = scratch.tables.parked
    async with scratch.engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(p))


async def relay_all(scratch, producer) -> int:
    relay = OutboxRelay(
        engine=scratch.engine, database_url=scratch.url, tables=scratch.tables, producer=producer
    )
    total = 0
    while n := await relay.relay_once():
        total += n
    return total


async def unsent(scratch) -> int:
    o = scratch.tables.outbox
    async with scratch.engine.connect() as conn:
        return await conn.scalar(select(func.count()).where(o.c.sent_at.is_(None)))


async def test_relay_killed_after_publishing_is_absorbed_by_the_inbox(scratch, kafka):
    for seq in range(3):
        await scratch.emit(key=f"k{seq}", seq=seq)
    crashed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("relay_crash.py")),
            scratch.url,
            scratch.schema,
            scratch.bootstrap,
        ],
        capture_output=True,
        timeout=60,
    )
    assert crashed.returncode == 137, crashed.stderr.decode()
    assert len(await kafka.records(scratch.topic)) == 3, "published before dying"
    assert await unsent(scratch) == 3, "never marked sent"

    producer = scratch.producer()
    await producer.start()
    try:
        assert await relay_all(scratch, producer) == 3
        assert await unsent(scratch) == 0
        assert len(await kafka.records(scratch.topic)) == 6, "each event is on the topic twice"
        handle, calls = recording_handler(scratch)
        consumer = make_consumer(scratch, producer, {"reltest.thing.happened": handle})
        await run_until(consumer, lambda: seen(consumer, 6))
    finally:
        await producer.stop()
    assert consumer_metric(consumer, "duplicate") == 3
    assert await scratch.effect_count() == 3
    assert calls["n"] == 3


def consumer_metric(consumer, outcome: str) -> float:
    """How many records a consumer finished with this outcome (its Prometheus counter)."""
    return metrics.EVENTS_CONSUMED.labels(consumer=consumer.name, outcome=outcome)._value.get()


async def seen(consumer, n: int) -> bool:
    """Whether a consumer has finished n records, handled or absorbed as duplicates."""
    return consumer_metric(consumer, "handled") + consumer_metric(consumer, "duplicate") >= n


async def test_the_same_record_delivered_twice_has_one_effect(scratch, kafka):
    await scratch.emit(key="a", seq=1)
    producer = scratch.producer()
    await producer.start()
    try:
        await relay_all(scratch, producer)
        [record] = await kafka.records(scratch.topic)
        # the broker hands it over again, as after a rebalance before the offset commit
        await producer.send_and_wait(scratch.topic, record.value, key=record.key)
        handle, calls = recording_handler(scratch)
        consumer = make_consumer(scratch, producer, {"reltest.thing.happened": handle})
        await run_until(consumer, lambda: seen(consumer, 2))
    finally:
        await producer.stop()
    assert consumer_metric(consumer, "duplicate") == 1
    assert await scratch.effect_count() == 1
    assert calls["n"] == 1


async def test_a_crash_between_the_effect_and_the_commit_leaves_no_effect_and_is_retried(scratch):
    await scratch.emit(key="b", seq=7)
    producer = scratch.producer()
    await producer.start()
    try:
        await relay_all(scratch, producer)
        handle, calls = recording_handler(scratch, fail_first=2)
        consumer = make_consumer(scratch, producer, {"reltest.thing.happened": handle})

        async def applied():
            return await scratch.effect_count() >= 1

        await run_until(consumer, applied)
    finally:
        await producer.stop()
    assert calls["n"] == 3
    assert await scratch.effect_count() == 1, "the two failed attempts rolled back their effects"


async def test_a_command_that_fails_before_commit_writes_neither_rows_nor_events(scratch):
    try:
        async with scratch.uow() as uow:
            await uow.conn.execute(scratch.effects.insert().values(event_id="x", key="c", seq=1))
            await uow.emit(scratch.payload()(seq=1, key="c"), subject="c")
            raise RuntimeError("the process dies before commit")
    except RuntimeError:
        pass
    assert await scratch.effect_count() == 0
    o = scratch.tables.outbox
    async with scratch.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(o)) == 0


async def test_the_events_of_one_transaction_are_one_outbox_statement_in_the_order_emitted(scratch):
    keys = ["b", "a", "c", "a", "b"]
    with statements_sent(scratch, "INSERT INTO", "outbox") as outbox_inserts:
        async with scratch.uow() as uow:
            emitted = [
                await uow.emit(scratch.payload()(seq=seq, key=key), subject=key)
                for seq, key in enumerate(keys)
            ]
            await uow.commit()
    assert len(outbox_inserts) == 1
    o = scratch.tables.outbox
    async with scratch.engine.connect() as conn:
        rows = (await conn.execute(select(o).order_by(o.c.id))).all()
    assert [str(r.event_id) for r in rows] == [e.id for e in emitted]
    assert [r.key for r in rows] == keys
    assert [r.envelope["data"]["seq"] for r in rows] == [0, 1, 2, 3, 4]
    assert all(r.topic == scratch.topic and r.sent_at is None for r in rows)


async def test_a_savepoint_undoes_what_ran_inside_and_keeps_what_ran_before(scratch):
    thing = scratch.payload()
    called: list[str] = []
    async with scratch.uow() as uow:
        rows = uow.memo.setdefault("rows", [1])
        seen = uow.memo.setdefault("seen", {"a": 1})
        await uow.emit(thing(seq=1, key="kept"), subject="kept")
        with contextlib.suppress(NotYetKnown):
            async with uow.savepoint():
                rows.append(2)
                seen["b"] = 2
                uow.memo["new"] = True
                await uow.conn.execute(
                    scratch.effects.insert().values(event_id="x", key="undone", seq=2)
                )
                await uow.emit(thing(seq=2, key="undone"), subject="undone")
                uow.after_commit(lambda: called.append("undone"))
                raise NotYetKnown("not yet")
        async with uow.savepoint():
            await uow.conn.execute(scratch.effects.insert().values(event_id="y", key="kept", seq=3))
        assert uow.memo == {"rows": [1], "seen": {"a": 1}}
        assert uow.memo["rows"] is rows, "restored in place: a flush may hold it"
        await uow.commit()
    assert called == []
    assert await scratch.effect_seqs("kept") == [3]
    assert await scratch.effect_seqs("undone") == []
    o = scratch.tables.outbox
    async with scratch.engine.connect() as conn:
        assert (await conn.scalars(select(o.c.key))).all() == ["kept"]


async def test_a_handler_that_always_fails_goes_to_the_dead_letter_topic_and_the_partition_moves_on(
    scratch, kafka
):
    await scratch.emit(key="same-key", seq=1, event_type="reltest.poison.arrived")
    await scratch.emit(key="same-key", seq=2)
    producer = scratch.producer()
    await producer.start()
    try:
        await relay_all(scratch, producer)

        async def always_fails(uow, event):
            raise ValueError("cannot handle this one")

        good, _ = recording_handler(scratch)
        consumer = make_consumer(
            scratch,
            producer,
            {"reltest.poison.arrived": always_fails, "reltest.thing.happened": good},
        )

        async def later_event_applied():
            return await scratch.effect_seqs("same-key") == [2]

        await run_until(consumer, later_event_applied)
        # the dead letter's record is committed to the outbox with its row; the relay sends it
        assert await relay_all(scratch, producer) == 1
        dead = await kafka.records(consumer.dead_letter_topic)
        assert len(dead) == 1
        headers = dict(dead[0].headers)
        assert b"ValueError: cannot handle this one" in headers["dlq-error"]
        assert b"reltest.poison.arrived" in dead[0].value
        d = scratch.tables.dead_letters
        async with scratch.engine.connect() as conn:
            row = (await conn.execute(select(d))).one()
        assert row.attempts == 3 and row.event_type == "reltest.poison.arrived"

        consumer._handlers["reltest.poison.arrived"] = good  # the bug is fixed; replay
        assert await consumer.replay_dead_letter(row.id) == "handled"
        assert await consumer.replay_dead_letter(row.id) == "duplicate"
        assert sorted(await scratch.effect_seqs("same-key")) == [1, 2]
    finally:
        await producer.stop()


async def test_events_about_something_unknown_are_parked_in_order_and_applied_when_it_arrives(
    scratch,
):
    for seq in (1, 2, 3):
        await scratch.emit(key="later", seq=seq)
    known: set[str] = set()
    producer = scratch.producer()
    await producer.start()
    try:
        await relay_all(scratch, producer)
        handle = waiting_for_its_key(scratch, known)
        consumer = make_consumer(scratch, producer, {"reltest.thing.happened": handle})

        async def three_parked():
            return await parked_count(scratch) == 3

        await run_until(consumer, three_parked)
        assert await scratch.effect_count() == 0
        known.add("later")
        assert await consumer.retry_parked() == 3
    finally:
        await producer.stop()
    assert await scratch.effect_seqs("later") == [1, 2, 3]
    assert await parked_count(scratch) == 0


async def test_parked_events_are_retried_in_batches_and_a_stuck_subject_keeps_its_order(scratch):
    for seq in range(1, 7):
        await scratch.emit(key="ready" if seq % 3 else "waiting", seq=seq)
    known: set[str] = set()
    producer = scratch.producer()
    await producer.start()
    try:
        await relay_all(scratch, producer)
        handle = waiting_for_its_key(scratch, known)
        consumer = make_consumer(scratch, producer, {"reltest.thing.happened": handle})

        async def all_parked():
            return await parked_count(scratch) == 6

        await run_until(consumer, all_parked)
    finally:
        await producer.stop()
    # "waiting" is still unknown: the batch fails as a whole, "ready" is applied row by row
    known.add("ready")
    assert await consumer.retry_parked() == 4
    assert await scratch.effect_seqs("ready") == [1, 2, 4, 5]
    assert await parked_count(scratch) == 2
    # the rest is known now: one transaction applies every row left, in order
    known.add("waiting")
    with statements_sent(scratch, "DELETE", "parked") as deletes:
        assert await consumer.retry_parked() == 2
    assert len(deletes) == 1
    assert await scratch.effect_seqs("waiting") == [3, 6]
    assert await parked_count(scratch) == 0
    # retried again (a replica that read the same rows): nothing is applied twice
    assert await consumer.retry_parked() == 0
    assert await scratch.effect_count() == 6


async def test_several_relays_publish_each_event_once_in_order_per_key(scratch, kafka):
    keys = [f"agg-{i}" for i in range(5)]
    for seq in range(40):
        for key in keys:
            await scratch.emit(key=key, seq=seq)
    producers = [scratch.producer() for _ in range(3)]
    for p in producers:
        await p.start()
    try:
        relays = [
            OutboxRelay(
                engine=scratch.engine,
                database_url=scratch.url,
                tables=scratch.tables,
                producer=p,
                batch_size=17,
            )
            for p in producers
        ]

        async def drain(relay):
            while await unsent(scratch):
                await relay.relay_once()

        await asyncio.gather(*(drain(r) for r in relays))
    finally:
        for p in producers:
            await p.stop()
    seen_seqs: dict[str, list[int]] = {k: [] for k in keys}
    for rec in await kafka.records(scratch.topic):
        event = json.loads(rec.value)
        seen_seqs[event["subject"]].append(event["data"]["seq"])
    assert all(seqs == list(range(40)) for seqs in seen_seqs.values()), seen_seqs


async def test_a_database_outage_holds_the_partition_instead_of_dead_lettering(scratch):
    await scratch.emit(key="outage", seq=1)
    outage = {"left": FAST.max_attempts + 3}  # more failures than the dead-letter threshold
    record, _ = recording_handler(scratch)

    async def flaky_database(uow, event):
        if outage["left"]:
            outage["left"] -= 1
            raise OperationalError("INSERT ...", {}, ConnectionRefusedError("connection refused"))
        await record(uow, event)

    producer = scratch.producer()
    await producer.start()
    try:
        await relay_all(scratch, producer)
        consumer = make_consumer(scratch, producer, {"reltest.thing.happened": flaky_database})

        async def applied():
            return await scratch.effect_count() == 1

        await run_until(consumer, applied)
    finally:
        await producer.stop()
    assert outage["left"] == 0
    d = scratch.tables.dead_letters
    async with scratch.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(d)) == 0


async def test_a_bulk_redelivery_is_recognised_in_one_statement_per_fetch(scratch):
    for seq in range(40):
        await scratch.emit(key=f"k{seq}", seq=seq)
    producer = scratch.producer()
    await producer.start()
    try:
        handle, calls = recording_handler(scratch)
        consumer = make_consumer(scratch, producer, {"reltest.thing.happened": handle})
        await relay_all(scratch, producer)
        await run_until(consumer, lambda: seen(consumer, 40))
        assert calls["n"] == 40

        # every event published again at once, as a republish after a broker loss does
        since = datetime.now(UTC) - timedelta(hours=1)
        assert await republish_since(scratch.engine, scratch.tables, since, skip_types=()) == 40
        assert await relay_all(scratch, producer) == 40
        fetched = counting_fetches(consumer)
        with statements_sent(scratch, "INSERT INTO", "inbox") as inbox_inserts:
            await run_until(consumer, lambda: seen(consumer, 80))
    finally:
        await producer.stop()
    assert consumer_metric(consumer, "duplicate") == 40
    assert calls["n"] == 40
    # one inbox statement per partition's fetch found them known, not one per event (how the
    # broker splits the records into fetches is its own affair)
    assert len(inbox_inserts) == len(fetched), (inbox_inserts, fetched)
    assert sum(fetched) == 40 and len(fetched) < 40, fetched


def counting_fetches(consumer) -> list[int]:
    """The number of records of each partition's fetch the consumer handles from now on."""
    fetched: list[int] = []
    drain = consumer._drain

    async def counted(records):
        fetched.append(len(records))
        await drain(records)

    consumer._drain = counted
    return fetched
