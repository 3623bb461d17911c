"""The broker's own figures: a raw consume from offset 0, a raw produce -> consume hop, group lag.

Clients use the services' settings (`make_producer`; a fetch held at most 50 ms), with no
consumer group and no processing, so they show what the broker and aiokafka cost by themselves.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from plenary_shared.kafka import ensure_topics, make_producer

FETCH_MAX_WAIT_MS = 50
HOP_TOPIC = "bench.hop"


def _consumer(bootstrap: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
    )


async def _partitions(consumer: AIOKafkaConsumer, topics) -> list[TopicPartition]:
    await consumer.topics()  # the whole cluster's metadata
    return [
        TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())
    ]


async def _extend_ends(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> None:
    """Read on from each of `ends` until nothing more comes; move `ends` past what was there."""
    for tp, end in ends.items():
        consumer.seek(tp, end)
    quiet = 0
    while quiet < 2:
        batches = await consumer.getmany(timeout_ms=200)
        quiet = 0 if batches else quiet + 1
        for tp, records in batches.items():
            ends[tp] = max(ends[tp], records[-1].offset + 1)


async def _true_ends(consumer: AIOKafkaConsumer, partitions) -> dict[TopicPartition, int]:
    """Assign the partitions and find where each really ends, leaving the consumer there.

    The embedded broker's ListOffsets may answer with the first offset of a partition's last
    batch instead of the offset after it, so each partition is read on from there.
    """
    consumer.assign(partitions)
    ends = dict(await consumer.end_offsets(partitions))
    await _extend_ends(consumer, ends)
    return ends


async def _read_to_end(consumer: AIOKafkaConsumer, ends: dict, sink: Callable | None) -> int:
    """Read the assigned partitions from the beginning up to `ends`; how many records."""
    await consumer.seek_to_beginning()
    left = {tp: end for tp, end in ends.items() if end > 0}
    count = 0
    while left:
        batches = await consumer.getmany(timeout_ms=1000)
        for tp, records in batches.items():
            count += len(records)
            if sink is not None:
                sink(records)
            if tp in left and records[-1].offset + 1 >= left[tp]:
                del left[tp]
    return count


@dataclass
class Consumed:
    """Records read from offset 0 and how long it took (consumer start excluded)."""

    records: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Records per second."""
        return self.records / self.seconds if self.seconds else 0.0

    def document(self) -> dict:
        """The figures as data."""
        return {"records": self.records, "seconds": self.seconds, "per_second": self.per_second}


async def _consume_rate(bootstrap: str, topics, min_seconds: float) -> Consumed:
    consumer = _consumer(bootstrap)
    await consumer.start()
    try:
        ends = await _true_ends(consumer, await _partitions(consumer, topics))
        records, spent = 0, 0.0
        while spent < min_seconds:
            began = time.perf_counter()
            read = await _read_to_end(consumer, ends, None)
            spent += time.perf_counter() - began
            records += read
            if not read:
                break
        return Consumed(records, spent)
    finally:
        await consumer.stop()


def consume_rate(bootstrap: str, topics, *, min_seconds: float = 0.5) -> Consumed:
    """Read the topics from offset 0 to their end, again until `min_seconds` have been spent."""
    return asyncio.run(_consume_rate(bootstrap, topics, min_seconds))


async def _read_all(
    bootstrap: str, topics
) -> tuple[list[ConsumerRecord], Consumed, list[TopicPartition]]:
    consumer = _consumer(bootstrap)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topics)
        ends = await _true_ends(consumer, partitions)
        found: list[ConsumerRecord] = []
        began = time.perf_counter()
        count = await _read_to_end(consumer, ends, found.extend)
        return found, Consumed(count, time.perf_counter() - began), partitions
    finally:
        await consumer.stop()


async def _copy(source: str, target: str, topics) -> Consumed:
    records, consumed, partitions = await _read_all(source, topics)
    for topic in topics:
        count = sum(1 for tp in partitions if tp.topic == topic)
        await ensure_topics(target, [topic], partitions=count, replication_factor=1)
    producer = make_producer(target)
    await producer.start()
    try:
        sent = [
            await producer.send(
                r.topic,
                value=r.value,
                key=r.key,
                headers=list(r.headers),
                partition=r.partition,
                timestamp_ms=r.timestamp,
            )
            for r in records
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return consumed


def copy_topics(source: str, target: str, topics) -> Consumed:
    """Copy every record of the topics to another broker, each to its partition; the read."""
    return asyncio.run(_copy(source, target, topics))


async def _wait_caught_up(bootstrap: str, lanes: dict[str, tuple], timeout: float) -> None:
    # a consumer of the group that never joins it reads the group's committed offsets
    # (the admin client's OffsetFetch is one the embedded broker does not answer)
    reader = _consumer(bootstrap)
    members = {
        group: AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
        )
        for group in lanes
    }
    for client in (reader, *members.values()):
        await client.start()
    try:
        topics = sorted({t for lane in lanes.values() for t in lane})
        ends = await _true_ends(reader, await _partitions(reader, topics))
        last, last_change = None, time.monotonic()
        while True:
            behind = 0
            for group, member in members.items():
                for tp, end in ends.items():
                    if tp.topic in lanes[group]:
                        behind += max(0, end - (await member.committed(tp) or 0))
            if behind == 0:
                before = dict(ends)
                await _extend_ends(reader, ends)  # anything published meanwhile counts too
                if ends == before:
                    return
                continue
            if behind != last:
                last, last_change = behind, time.monotonic()
            if time.monotonic() - last_change > timeout:
                raise RuntimeError(f"{', '.join(lanes)}: {behind} records behind, no progress")
            await asyncio.sleep(0.2)
    finally:
        for client in (reader, *members.values()):
            await client.stop()


def wait_caught_up(bootstrap: str, lanes: dict[str, tuple], *, timeout: float = 120) -> None:
    """Wait until each consumer group (lane) has committed every record of its topics.

    It gives up only when the groups make no progress for `timeout` seconds.
    """
    asyncio.run(_wait_caught_up(bootstrap, lanes, timeout))


async def produce_at(
    bootstrap: str, records: list[tuple[str, bytes | None, bytes, list]], *, rate: float
) -> list[float]:
    """Send each (topic, key, value, headers) in turn, `rate` a second; when each was sent."""
    producer = make_producer(bootstrap)
    await producer.start()
    sent: list[float] = []
    pending = []
    try:
        began = time.monotonic()
        for i, (topic, key, value, headers) in enumerate(records):
            delay = began + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent.append(time.monotonic())
            pending.append(await producer.send(topic, value=value, key=key, headers=headers))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


async def _hop(bootstrap: str, records: list, rate: float) -> list[float]:
    await ensure_topics(bootstrap, [HOP_TOPIC], partitions=3, replication_factor=1)
    records = [(HOP_TOPIC, key, value, headers) for _topic, key, value, headers in records]
    ids = [json.loads(value)["id"] for _topic, _key, value, _headers in records]
    wanted = set(ids)
    consumer = _consumer(bootstrap)
    await consumer.start()
    arrived: dict[str, float] = {}
    try:
        await _true_ends(consumer, await _partitions(consumer, [HOP_TOPIC]))

        async def receive() -> None:
            while len(arrived) < len(wanted):
                batches = await consumer.getmany(timeout_ms=1000)
                now = time.monotonic()
                for batch in batches.values():
                    for r in batch:
                        if (event_id := json.loads(r.value).get("id")) in wanted:
                            arrived[event_id] = now

        receiving = asyncio.create_task(receive())
        sent = await produce_at(bootstrap, records, rate=rate)
        await asyncio.wait_for(receiving, timeout=60)
    finally:
        await consumer.stop()
    return [arrived[i] - at for i, at in zip(ids, sent, strict=True)]


def hop_latency(bootstrap: str, records: list, *, rate: float) -> list[float]:
    """Seconds from send to receipt of each record, sent at `rate` a second to a topic of its own.

    The records are those of the Plenary run (same size), sent to a topic no service reads.
    """
    return asyncio.run(_hop(bootstrap, records, rate))
