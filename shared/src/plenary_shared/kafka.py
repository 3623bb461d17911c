"""Kafka clients: producer, consumer and explicit topic creation (portable to Apache Kafka)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable

import structlog
from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    TopicPartition,
)
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import IllegalStateError, KafkaConnectionError, TopicAlreadyExistsError

log = structlog.get_logger(__name__)

# how often a consumer re-reads the cluster's topics, so a topic that comes back or gains
# partitions is followed within seconds (the client's default is five minutes)
CONSUMER_METADATA_MAX_AGE_MS = 5000


def make_producer(bootstrap: str, **options) -> AIOKafkaProducer:
    """A producer that waits for all in-sync replicas; duplicates are absorbed by the inbox.

    It never makes a broker auto-create a topic (see `never_auto_create`).
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2, **options)
    never_auto_create(producer)
    return producer


def never_auto_create(producer: AIOKafkaProducer) -> None:
    """Make the producer's metadata requests ask for the whole cluster, never for named topics.

    A metadata request naming a topic makes a broker with auto-creation on (Tansu, Kafka's
    default) create it with the broker's own partition count. A broker that lost its data would
    then get the topics from whichever producer sends first, with a count the keys were not
    spread by. Asked for the whole cluster, the broker creates nothing: a send to a missing
    topic waits for the topic keeper to create it (or fails and is retried by the relay).
    aiokafka has no setting for this; this is the only place that wraps its metadata update.
    """
    client = producer.client
    named = client._metadata_update

    async def whole_cluster(cluster_metadata, topics):
        return await named(cluster_metadata, None)

    client._metadata_update = whole_cluster


def make_consumer(
    bootstrap: str,
    *topics: str,
    group_id: str,
    fetch_max_wait_ms: int = 50,
    listener: ConsumerRebalanceListener | None = None,
) -> AIOKafkaConsumer:
    """A consumer-group member with auto-commit off: offsets are committed after the database.

    It subscribes by an exact-name pattern, so its metadata requests cover the whole cluster
    and never make a broker auto-create a missing topic with its own partition count. A broker
    may hold a fetch for up to `fetch_max_wait_ms`.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=200,
        fetch_max_wait_ms=fetch_max_wait_ms,
        # the background fetcher looks at its partitions this often when nothing wakes it
        # (a fetch answered, records consumed, an assignment); aiokafka's 200 ms cost an
        # idle service 3 ms of CPU a second
        consumer_timeout_ms=1000,
        metadata_max_age_ms=CONSUMER_METADATA_MAX_AGE_MS,
    )
    consumer.subscribe(pattern=exact_pattern(topics), listener=listener)
    return consumer


class FetchPace:
    """A lane's fetch wait: the short one it was built with while records come, a long one once
    it has had none for `idle_after_seconds`, so an idle platform spares the broker most polls.

    Apache Kafka answers a held fetch as soon as records arrive; the embedded dev broker (Tansu)
    often holds it on, so there the first record after a quiet spell may wait up to the long
    wait (`make bench` measures it). aiokafka reads the wait from its fetcher for each request
    and has no public setter: this class is the only place that touches it, and does nothing
    where it is absent.
    """

    def __init__(self, consumer: AIOKafkaConsumer, *, idle_ms: int, idle_after_seconds: float):
        self._fetcher = getattr(consumer, "_fetcher", None)
        self.busy_ms = getattr(self._fetcher, "_fetch_max_wait_ms", None)
        self.idle_ms = idle_ms
        self.idle_after = idle_after_seconds
        self._last_records = time.monotonic()
        self.idle = False

    def polled(self, got_records: bool) -> None:
        """After each poll: records mean busy; a long enough silence means idle."""
        if self.busy_ms is None or self.idle_ms <= self.busy_ms:
            return
        now = time.monotonic()
        if got_records:
            self._last_records = now
            if self.idle:
                self._set(idle=False)
        elif not self.idle and now - self._last_records >= self.idle_after:
            self._set(idle=True)

    def _set(self, *, idle: bool) -> None:
        self.idle = idle
        self._fetcher._fetch_max_wait_ms = self.idle_ms if idle else self.busy_ms  # type: ignore[union-attr]


def exact_pattern(topics: tuple[str, ...] | list[str]) -> str:
    """A regular expression matching exactly these topic names."""
    return "^(" + "|".join(re.escape(t) for t in topics) + ")$"


class Rewinder(ConsumerRebalanceListener):
    """Reads each partition from its earliest record again, once per rewind asked for.

    After a broker lost its topics the committed offsets may point past records that are
    new. The member keeps its place in the group (a member that leaves and another that
    joins cost a rebalance, and on some brokers a wait for the old one to time out): the
    partitions it holds are sought back now, those assigned to it later when they come.
    """

    def __init__(self, asked: Callable[[], int]) -> None:
        self._asked = asked
        self._since = asked()
        self._done: dict[TopicPartition, int] = {}
        self.consumer: AIOKafkaConsumer | None = None

    async def on_partitions_revoked(self, revoked) -> None:
        """Nothing to do: offsets are committed after each batch."""

    async def on_partitions_assigned(self, assigned) -> None:
        """Rewind newly assigned partitions that have not been since the last rewind."""
        await self.rewind(assigned)

    async def rewind(self, partitions=None) -> None:
        """Seek the partitions held (or those given) that are due back to their beginning."""
        asked = self._asked()
        if asked == self._since or self.consumer is None:
            return
        held = self.consumer.assignment() if partitions is None else partitions
        due = [tp for tp in held if self._done.get(tp, self._since) < asked]
        if not due:
            return
        try:
            await self.consumer.seek_to_beginning(*due)
        except IllegalStateError:
            return  # a rebalance took them meanwhile; the next assignment rewinds them
        self._done.update(dict.fromkeys(due, asked))
        log.info("partitions rewound to their earliest record", partitions=len(due))


async def topic_partitions(admin: AIOKafkaAdminClient) -> dict[str, int]:
    """Every topic of the cluster and its partition count, without auto-creating any."""
    described = await admin.describe_topics()  # no names: one request for every topic
    return {t["topic"]: len(t["partitions"]) for t in described if t["error_code"] == 0}


async def started_admin(bootstrap: str, *, attempts: int = 30) -> AIOKafkaAdminClient:
    """An admin client connected to the cluster, waiting for it to accept connections."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    for attempt in range(attempts):
        try:
            await admin.start()
            return admin
        except KafkaConnectionError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def create_topics(
    admin: AIOKafkaAdminClient, names: list[str], *, partitions: int, replication_factor: int
) -> None:
    """Create topics with the configured partitions; one created meanwhile by another is fine."""
    if names:
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(t, partitions, replication_factor) for t in names])
        log.info("topics created", topics=names, partitions=partitions)


async def ensure_topics(
    bootstrap: str, topics: list[str], *, partitions: int, replication_factor: int
) -> None:
    """Create the topics that do not exist yet (for tools and tests; services keep theirs)."""
    admin = await started_admin(bootstrap)
    try:
        existing = await topic_partitions(admin)
        await create_topics(
            admin,
            [t for t in topics if t not in existing],
            partitions=partitions,
            replication_factor=replication_factor,
        )
    finally:
        await admin.close()
