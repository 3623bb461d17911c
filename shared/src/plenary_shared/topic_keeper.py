"""Keeps a service's topics: created with the configured partitions, checked while it runs, and
a broker that lost them recovered (topics made again, consumers rewound, the outbox republished)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

import structlog
from aiokafka.admin import AIOKafkaAdminClient

from plenary_shared import metrics
from plenary_shared.kafka import create_topics, started_admin, topic_partitions
from plenary_shared.outage import is_outage

log = structlog.get_logger(__name__)

LOOK_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class TopicCheck:
    """What the broker holds of the topics a service needs."""

    missing: tuple[str, ...] = ()
    # topic -> partitions found, where that differs from the configured count
    mismatched: dict[str, int] = field(default_factory=dict)
    # the service's own marker topic is gone: the broker lost its data, or is new
    forgotten: bool = False


def compare(
    found: dict[str, int], wanted: tuple[str, ...], *, partitions: int, marker: str
) -> TopicCheck:
    """Which wanted topics are missing or have another partition count, and whether the marker is."""
    return TopicCheck(
        missing=tuple(t for t in wanted if t not in found),
        mismatched={t: found[t] for t in wanted if t in found and found[t] != partitions},
        forgotten=marker not in found,
    )


def marker_topic(service: str) -> str:
    """The topic only this service creates: its absence says the broker forgot what it held."""
    return f"plenary.{service}.marker"


# called with the topic repair to run and whether the service is only starting
Recovery = Callable[[Callable[[], Awaitable[None]], bool], Awaitable[None]]


class TopicKeeper:
    """Creates and checks one service's topics, and starts a recovery when the broker lost them."""

    def __init__(
        self,
        *,
        service: str,
        bootstrap: str,
        topics: tuple[str, ...],
        partitions: int,
        replication_factor: int,
        check_seconds: float,
        recover: Recovery,
        partitions_changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.service = service
        self.topics = topics
        self.marker = marker_topic(service)
        self._bootstrap = bootstrap
        self._partitions = partitions
        self._replication_factor = replication_factor
        self._check_seconds = check_seconds
        self._recover = recover
        self._partitions_changed = partitions_changed
        self._counts: dict[str, int] = {}
        self._admin: AIOKafkaAdminClient | None = None
        self.last = TopicCheck()
        self.reachable = False
        self.recoveries = 0

    @property
    def healthy(self) -> bool:
        """Every topic is there with the configured partitions, as far as last seen."""
        return not (self.last.missing or self.last.mismatched or self.last.forgotten)

    async def start(self) -> None:
        """Connect and make sure the topics exist before anything is produced or consumed."""
        self._admin = await started_admin(self._bootstrap)
        await self.check_once(starting=True)

    async def stop(self) -> None:
        """Close the admin connection."""
        if self._admin is not None:
            await self._admin.close()
            self._admin = None

    async def run(self) -> None:
        """Check every few seconds until cancelled; an unreachable broker is waited out."""
        while True:
            await asyncio.sleep(self._check_seconds)
            try:
                await self.check_once()
            except Exception as exc:
                if not (is_outage(exc) or isinstance(exc, TimeoutError)):
                    raise
                self._set_reachable(False)

    async def check_once(self, *, starting: bool = False) -> TopicCheck:
        """Look at the broker once; create what is missing, recover when it forgot, report the rest."""
        check = await self._look()
        self._report(check)
        if check.forgotten:
            self.recoveries += 1
            metrics.BROKER_RECOVERIES.labels(service=self.service).inc()
            # at start this is also a new broker's first day; while running, data was lost
            (log.warning if starting else log.error)(
                "the broker holds no marker of this service (new, or it lost its data):"
                " recreating topics and republishing the outbox where configured",
                service=self.service,
                missing=list(check.missing),
                mismatched=check.mismatched,
            )
            # at start the broker may hold an operator's topics: those are never replaced
            await self._recover(partial(self.repair, replace=not starting), starting)
            # marked only once recovered: a recovery cut short starts again at the next check
            await self._create([self.marker], partitions=1)
            check = await self._look()
        elif check.missing:
            await self._create(list(check.missing))
            check = await self._look()
        self._report(check)
        return check

    async def repair(self, *, replace: bool) -> None:
        """Create what is missing; with `replace`, topics a broker auto-created are made anew."""
        assert self._admin is not None
        for _ in range(5):
            check = await self._look()
            if check.mismatched and replace:
                # only here, in a recovery, is a topic replaced: what it held is republished
                await self._admin.delete_topics(list(check.mismatched))
                log.warning("topics replaced", mismatched=check.mismatched)
                await asyncio.sleep(0.5)
                check = await self._look()
            await self._create(list(check.missing))
            check = await self._look()
            if not check.missing and not (check.mismatched and replace):
                return
        raise RuntimeError(f"topics could not be made as configured: {check}")

    async def _look(self) -> TopicCheck:
        assert self._admin is not None
        # a paused broker takes a request and never answers: give up on this look, not the loop
        found = await asyncio.wait_for(topic_partitions(self._admin), LOOK_TIMEOUT_SECONDS)
        self._set_reachable(True)
        counts = {t: found[t] for t in self.topics if t in found}
        if any(self._counts.get(t, n) != n for t, n in counts.items()):
            log.warning("partitions changed", before=self._counts, now=counts)
            self._partitions_changed()
        self._counts = counts
        return compare(found, self.topics, partitions=self._partitions, marker=self.marker)

    async def _create(self, names: list[str], *, partitions: int | None = None) -> None:
        assert self._admin is not None
        await create_topics(
            self._admin,
            names,
            partitions=partitions or self._partitions,
            replication_factor=self._replication_factor,
        )

    def _report(self, check: TopicCheck) -> None:
        if check.mismatched and check.mismatched != self.last.mismatched:
            log.error(
                "topics have another partition count than configured: keys land elsewhere,"
                " so the order of a subject's events is not kept; recreate them or change"
                " TOPIC_PARTITIONS",
                service=self.service,
                configured=self._partitions,
                found=check.mismatched,
            )
        self.last = check
        metrics.TOPICS_MISSING.labels(service=self.service).set(len(check.missing))
        metrics.TOPICS_MISMATCHED.labels(service=self.service).set(len(check.mismatched))

    def _set_reachable(self, reachable: bool) -> None:
        self.reachable = reachable
        metrics.BROKER_REACHABLE.labels(service=self.service).set(int(reachable))
