"""Kafka clients: producer, consumer and explicit topic creation (portable to Apache Kafka)."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

log = structlog.get_logger(__name__)


def make_producer(bootstrap: str) -> AIOKafkaProducer:
    """A producer that waits for all in-sync replicas; duplicates are absorbed by the inbox."""
    return AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)


def make_consumer(
    bootstrap: str, *topics: str, group_id: str, fetch_max_wait_ms: int = 50
) -> AIOKafkaConsumer:
    """A consumer-group member with auto-commit off: offsets are committed after the database.

    A broker may hold a fetch for up to `fetch_max_wait_ms` before answering, which bounds
    the latency of each hop; Tansu holds it for the whole wait.
    """
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
        fetch_max_wait_ms=fetch_max_wait_ms,
    )


async def ensure_topics(
    bootstrap: str, topics: list[str], *, partitions: int, replication_factor: int
) -> None:
    """Create the topics that do not exist yet; brokers here do not auto-create them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    for attempt in range(30):
        try:
            await admin.start()
            break
        except KafkaConnectionError:
            if attempt == 29:
                raise
            await asyncio.sleep(0.5)
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
            return
        new = [NewTopic(t, partitions, replication_factor) for t in missing]
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(new)
        log.info("topics created", topics=missing)
    finally:
        await admin.close()
