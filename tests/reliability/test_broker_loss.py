"""A broker that loses its topics: remade as configured, consumers rewound, the outbox republished."""

import asyncio
import contextlib
import dataclasses

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import NewTopic
from aiokafka.errors import UnknownTopicOrPartitionError
from sqlalchemy import select
from test_messaging import FAST, recording_handler

from plenary_devstack import infra
from plenary_devstack.testing import run_dir
from plenary_shared import topics
from plenary_shared.consumer import EventConsumer
from plenary_shared.envelope import CloudEvent
from plenary_shared.kafka import (
    Rewinder,
    make_consumer,
    make_producer,
    started_admin,
    topic_partitions,
)
from plenary_shared.runtime import ServiceRuntime
from plenary_shared.settings import ServiceSettings
from plenary_shared.topic_keeper import TopicKeeper, marker_topic

EVENT = "reltest.thing.happened"


class OwnBroker:
    """A Tansu broker of this test alone, which can be killed and replaced on the same port."""

    def __init__(self) -> None:
        self.port = infra.free_port()
        self.log = run_dir() / "logs" / f"broker-loss-{self.port}.log"
        self.broker = infra.start_broker(port=self.port, log_file=self.log)

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap

    def replace(self) -> None:
        """Kill -9, and start an empty one where it was."""
        assert self.broker.process is not None
        self.broker.process.kill()
        self.broker.process.wait()
        self.broker = infra.start_broker(port=self.port, log_file=self.log)

    def stop(self) -> None:
        self.broker.stop()


@pytest.fixture
def own_broker():
    broker = OwnBroker()
    yield broker
    broker.stop()


@pytest.fixture
def moved(scratch, own_broker):
    """The scratch schema, its events on scheduling's topic of the test's own broker."""
    return dataclasses.replace(scratch, topic=topics.SCHEDULING, bootstrap=own_broker.bootstrap)


def runtime_on(scratch, handle, *, check_seconds: float) -> ServiceRuntime:
    """A service runtime on the scratch schema, relaying its outbox and consuming its events."""
    settings = ServiceSettings(
        database_url=scratch.url,
        kafka_bootstrap_servers=scratch.bootstrap,
        relay_poll_seconds=0.2,
        consumer_backoff_seconds=0.05,
        topic_check_seconds=check_seconds,
        broker_loss_republish=True,
        broker_loss_grace_seconds=1.0,
    )
    return ServiceRuntime(
        name=f"{scratch.schema}-r",
        settings=settings,
        tables=scratch.tables,
        handlers={EVENT: handle},
        consumes=[topics.SCHEDULING],
        state=None,
    )


async def partitions(bootstrap: str) -> dict[str, int]:
    admin = await started_admin(bootstrap)
    try:
        return await topic_partitions(admin)
    finally:
        await admin.close()


async def seqs_handled(scratch) -> list[int]:
    async with scratch.engine.connect() as conn:
        return sorted((await conn.scalars(select(scratch.effects.c.seq))).all())


async def eventually(condition, *, timeout: float = 60.0, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"not reached: {what}"
        await asyncio.sleep(0.2)


async def test_a_replaced_broker_gets_its_topics_back_and_every_event_again(moved, own_broker):
    handle, _ = recording_handler(moved)
    runtime = runtime_on(moved, handle, check_seconds=2.0)
    await runtime.start()
    try:
        for seq in range(10):
            await moved.emit(key=f"k{seq}", seq=seq)
        await eventually(
            lambda: _equals(seqs_handled(moved), list(range(10))), what="first ten handled"
        )

        own_broker.replace()
        for seq in range(10, 20):
            await moved.emit(key=f"k{seq}", seq=seq)
        # a client asking for a missing topic by name makes Tansu create it with 4 partitions
        admin = await started_admin(own_broker.bootstrap)
        await admin.describe_topics([topics.SCHEDULING])
        await admin.close()
        assert (await partitions(own_broker.bootstrap))[topics.SCHEDULING] == 4

        await eventually(lambda: _recovered(runtime), what="the broker loss noticed and recovered")
        found = await partitions(own_broker.bootstrap)
        wanted = (*topics.EVENT_TOPICS, runtime.consumer.dead_letter_topic)
        assert {t: found.get(t) for t in wanted} == dict.fromkeys(wanted, 3), found
        assert found[marker_topic(runtime.name)] == 1
        assert runtime.topics.healthy

        # each event handled once: the republished first ten were absorbed by the inbox
        await eventually(
            lambda: _equals(seqs_handled(moved), list(range(20))), what="all twenty once"
        )
        await asyncio.sleep(1.0)
        assert await seqs_handled(moved) == list(range(20))

        # and a consumer that had not read them yet finds all twenty on the new broker
        late, late_seqs = await _late_reader(moved)
        assert late_seqs == list(range(20))
        assert late == 20
    finally:
        await runtime.stop()


async def _recovered(runtime: ServiceRuntime) -> bool:
    return runtime.topics.recoveries == 2 and runtime.topics.healthy


async def _equals(value, expected) -> bool:
    return await value == expected


async def _late_reader(scratch) -> tuple[int, list[int]]:
    """A consumer group reading the topic from the start; what it saw."""
    seen: list[int] = []

    async def handle(uow, event):
        seen.append(event.data["seq"])

    producer = AIOKafkaProducer(bootstrap_servers=scratch.bootstrap)
    await producer.start()
    late = EventConsumer(
        name=f"{scratch.schema}-late",
        engine=scratch.engine,
        tables=scratch.tables,
        source="/plenary/reltest",
        handlers={EVENT: handle},
        producer=producer,
        consumer_factory=lambda **options: make_consumer(
            scratch.bootstrap, scratch.topic, group_id=f"{scratch.schema}-late", **options
        ),
        config=FAST,
    )
    task = asyncio.create_task(late.run())
    try:
        await eventually(lambda: _at_least(seen, 20), what="the late reader read twenty")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()
    return len(seen), sorted(seen)


async def _at_least(items: list, n: int) -> bool:
    return len(items) >= n


async def test_a_producer_never_makes_the_broker_create_a_topic(own_broker):
    # a plain client naming a missing topic makes Tansu create it with its own 4 partitions;
    # after a broker loss that would race the topic keeper, which creates them with 3
    ours = make_producer(own_broker.bootstrap, request_timeout_ms=1000)
    plain = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap, request_timeout_ms=1000)
    await ours.start()
    await plain.start()
    try:
        with pytest.raises(UnknownTopicOrPartitionError):
            await ours.send_and_wait("reltest.nowhere", b"lost?")
        await plain.send_and_wait("reltest.elsewhere", b"made")
        found = await partitions(own_broker.bootstrap)
        assert "reltest.nowhere" not in found
        assert found["reltest.elsewhere"] == 4

        admin = await started_admin(own_broker.bootstrap)
        await admin.create_topics([NewTopic("reltest.nowhere", 3, 1)])
        await admin.close()
        await ours.send_and_wait("reltest.nowhere", b"sent", key=b"k")
        assert (await partitions(own_broker.bootstrap))["reltest.nowhere"] == 3
    finally:
        await ours.stop()
        await plain.stop()


@pytest.mark.parametrize("marked", [True, False], ids=["broker-kept-its-data", "new-broker"])
async def test_a_topic_with_another_partition_count_is_reported_and_left_alone(own_broker, marked):
    admin = await started_admin(own_broker.bootstrap)
    await admin.create_topics(
        [NewTopic(topics.SCHEDULING, 4, 1)]
        + ([NewTopic(marker_topic("reltest"), 1, 1)] if marked else [])
    )
    await admin.close()
    recoveries = []

    async def recover(repair, starting):
        recoveries.append(starting)
        await repair()

    keeper = TopicKeeper(
        service="reltest",
        bootstrap=own_broker.bootstrap,
        topics=topics.EVENT_TOPICS,
        partitions=3,
        replication_factor=1,
        check_seconds=1.0,
        recover=recover,
    )
    await keeper.start()
    try:
        assert keeper.last.mismatched == {topics.SCHEDULING: 4}
        assert not keeper.healthy
        # a new broker (no marker) may hold an operator's topics: recovered, but not replaced
        assert recoveries == ([] if marked else [True])
        found = await partitions(own_broker.bootstrap)
        assert found[topics.SCHEDULING] == 4, "never deleted outside a running service's recovery"
        assert all(found[t] == 3 for t in topics.EVENT_TOPICS if t != topics.SCHEDULING)
        assert found[marker_topic("reltest")] == 1
    finally:
        await keeper.stop()


async def test_a_service_follows_a_topic_remade_with_more_partitions(moved, own_broker):
    handle, _ = recording_handler(moved)
    runtime = runtime_on(moved, handle, check_seconds=2.0)
    await runtime.start()
    admin = await started_admin(own_broker.bootstrap)
    producer = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap)
    await producer.start()
    try:
        await moved.emit(key="k0", seq=0)
        await eventually(lambda: _equals(seqs_handled(moved), [0]), what="the first handled")

        # an operator remakes the topic with six partitions: reported, and read in full
        await admin.delete_topics([topics.SCHEDULING])
        await admin.create_topics([NewTopic(topics.SCHEDULING, 6, 1)])
        assert (await partitions(own_broker.bootstrap))[topics.SCHEDULING] == 6
        await eventually(
            lambda: _is(runtime.topics.last.mismatched, {topics.SCHEDULING: 6}),
            what="the mismatch reported",
        )
        assert not runtime.topics.healthy
        await producer.client.force_metadata_update()
        event = _event_of(seq=1)
        await producer.send_and_wait(topics.SCHEDULING, event, key=b"k1", partition=5)
        await eventually(lambda: _equals(seqs_handled(moved), [0, 1]), what="partition 5 read")
        assert (await partitions(own_broker.bootstrap))[topics.SCHEDULING] == 6, "left alone"
    finally:
        await producer.stop()
        await admin.close()
        await runtime.stop()


async def _is(value, expected) -> bool:
    return value == expected


def _event_of(*, seq: int) -> bytes:
    """The Kafka value of one event as another service would publish it."""
    data = {"seq": seq, "key": f"k{seq}"}
    event = CloudEvent(source="/plenary/reltest", type=EVENT, subject=f"k{seq}", data=data)
    return event.to_kafka()[1]


async def test_a_rewind_reads_the_held_partitions_again_once(scratch):
    producer = scratch.producer()
    await producer.start()
    for seq in range(6):
        await producer.send_and_wait(scratch.topic, value=b"%d" % seq, key=b"k%d" % seq)
    rewinds = [0]
    rewinder = Rewinder(lambda: rewinds[0])
    group = f"{scratch.schema}-rewound"
    consumer = rewinder.consumer = make_consumer(
        scratch.bootstrap, scratch.topic, group_id=group, listener=rewinder
    )
    await consumer.start()
    try:
        assert await _read(consumer, 6) == list(range(6))
        await rewinder.rewind()  # nothing asked yet
        assert await _read(consumer, 0) == []

        rewinds[0] += 1
        held = consumer.assignment()
        await rewinder.rewind()
        assert await _read(consumer, 6) == list(range(6))
        assert consumer.assignment() == held  # the same member, no rebalance
        await consumer.commit()
        await rewinder.rewind()  # this rewind is done
        assert await _read(consumer, 0) == []
    finally:
        await consumer.stop()

    # the lane's next member starts where the group committed: the rewind is not repeated
    consumer = rewinder.consumer = make_consumer(
        scratch.bootstrap, scratch.topic, group_id=group, listener=rewinder
    )
    await consumer.start()
    try:
        await producer.send_and_wait(scratch.topic, value=b"6", key=b"k6")
        assert await _read(consumer, 1) == [6]
    finally:
        await consumer.stop()
        await producer.stop()


async def _read(consumer, count: int) -> list[int]:
    """The values of the next `count` records (and of any more that came within a second)."""
    values: list[int] = []
    deadline = asyncio.get_running_loop().time() + 30
    while len(values) < count and asyncio.get_running_loop().time() < deadline:
        batches = await consumer.getmany(timeout_ms=500)
        values += [int(r.value) for records in batches.values() for r in records]
    batches = await consumer.getmany(timeout_ms=1000)
    values += [int(r.value) for records in batches.values() for r in records]
    return sorted(values)
