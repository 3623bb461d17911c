"""The idempotent consumer: inbox row and effects in one transaction, offsets after commit,
retries with backoff, dead letters, and parking of events that refer to something not yet known."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from sqlalchemy import Row, bindparam, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from plenary_shared import metrics, topics
from plenary_shared.db import Repositories, UnitOfWork, notify_channel
from plenary_shared.envelope import CloudEvent
from plenary_shared.kafka import FetchPace, Rewinder
from plenary_shared.messaging_tables import MessagingTables
from plenary_shared.outage import is_outage
from plenary_shared.outbox import raw_record_envelope

log = structlog.get_logger(__name__)

Handler = Callable[[UnitOfWork, CloudEvent], Awaitable[None]]
ManyHandler = Callable[[UnitOfWork, list[CloudEvent]], Awaitable[None]]
T = TypeVar("T")


@dataclass(frozen=True)
class Batched:
    """A handler that can also take a run of events of its type at once (set-based, a few
    statements for all), as if one after the other; their subjects are distinct.

    `many` sets `uow.caused_by` before each event's emits, and raises `NotYetKnown` when any
    event refers to something not yet known: the run is then handled again by `one`, each event
    in a savepoint, so that only what is unknown is parked.
    """

    one: Handler
    many: ManyHandler

    async def __call__(self, uow: UnitOfWork, event: CloudEvent) -> None:
        await self.one(uow, event)


# the most events of one partition handled in one transaction
BATCH_MAX = 100
# with nothing known to be parked, the parked store is read every this many retry rounds
PARKED_SWEEP_ROUNDS = 30

# the outbox event type of a record bound for a dead-letter topic
DEAD_LETTER_TYPE = "plenary.dead-letter"


class NotYetKnown(Exception):
    """The event refers to something this service has not learnt of yet: park it and retry."""


class _UnknownAt(Exception):
    """An event of a batch refers to something not yet known; `position` is its place."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


EARLIER_EVENT_PARKED = "an earlier event of this subject is parked"


@dataclass(frozen=True)
class _Outcome:
    """What a batch did to the parking: rows that left it, and rows still unknown (why)."""

    settled: int
    staying: list[tuple[Row, str]]


@dataclass(frozen=True)
class ConsumerConfig:
    """Timings of one consumer."""

    max_attempts: int = 5
    backoff_seconds: float = 0.2
    park_retry_seconds: float = 1.0
    park_max_age_seconds: float = 86_400.0
    outage_backoff_max_seconds: float = 10.0
    # a lane without records this long fetches with the long wait (see kafka.FetchPace)
    idle_fetch_max_wait_ms: int = 1000
    express_idle_fetch_max_wait_ms: int = 3000
    idle_after_seconds: float = 5.0


def _inbox_statements(inbox, consumer: str):
    """The inbox inserts of one event and of a batch (returning the ids that were new), built
    once: each event only binds its values."""
    one = (
        pg_insert(inbox)
        .values(
            consumer=consumer, event_id=bindparam("event_id"), event_type=bindparam("event_type")
        )
        .on_conflict_do_nothing()
    )
    given = (
        func.unnest(
            bindparam("ids", type_=ARRAY(inbox.c.event_id.type)),
            bindparam("types", type_=ARRAY(inbox.c.event_type.type)),
        )
        .table_valued("event_id", "event_type")
        .render_derived(name="given")
    )
    many = (
        pg_insert(inbox)
        .from_select(
            ["consumer", "event_id", "event_type"],
            select(literal(consumer, inbox.c.consumer.type), given.c.event_id, given.c.event_type),
        )
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    return one, many


def is_transient(exc: BaseException) -> bool:
    """Whether a failure comes from the infrastructure (database or broker away), not the event."""
    return is_outage(exc)


class _LaneListener(Rewinder):
    """A lane's rebalance listener: learns what is parked, then rewinds what is due."""

    def __init__(self, owner: EventConsumer) -> None:
        super().__init__(lambda: owner.rewinds)
        self._owner = owner

    async def on_partitions_assigned(self, assigned) -> None:
        """Partitions parked elsewhere may come with the assignment."""
        try:
            await self._owner.learn_parked()
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("parked subjects not read", consumer=self._owner.name, error=repr(exc))
        # what this replica handled before a partition went away says nothing of it now
        self._owner.forget_handled(assigned)
        await super().on_partitions_assigned(assigned)


class EventConsumer:
    """Runs the handlers of one service for the event types it subscribes to."""

    def __init__(
        self,
        *,
        name: str,
        engine: AsyncEngine,
        tables: MessagingTables,
        source: str,
        handlers: dict[str, Handler],
        producer: AIOKafkaProducer,
        consumer_factory: Callable[..., AIOKafkaConsumer],
        express_factory: Callable[..., AIOKafkaConsumer] | None = None,
        config: ConsumerConfig = ConsumerConfig(),
        repositories: Repositories | None = None,
    ) -> None:
        self.name = name
        self._engine = engine
        self._repositories = repositories
        self._tables = tables
        self._source = source
        self._handlers = handlers
        self._producer = producer
        # the express lane reads its own topics in its own group, so what a person waits for
        # (a sign-in code, say) never queues behind a backlog of bulk events
        # (each lane with its own long fetch wait for quiet spells)
        lanes = (
            (consumer_factory, config.idle_fetch_max_wait_ms),
            (express_factory, config.express_idle_fetch_max_wait_ms),
        )
        self._lanes = [(factory, idle_ms) for factory, idle_ms in lanes if factory is not None]
        self._config = config
        self._inbox_one, self._inbox_many = _inbox_statements(tables.inbox, name)
        self._park_wake = asyncio.Event()
        self._rejoins = 0
        self._rewinds = 0
        # subjects with parked events, so a later event of theirs waits behind them; learnt
        # from the database when partitions are assigned and after each retry round
        self._parked_keys: set[str] = set()
        self._recently_parked: dict[str, float] = {}
        # each lane's group member now, and the next offset to handle of each partition
        self._members: set[AIOKafkaConsumer] = set()
        self._handled_to: dict[TopicPartition, int] = {}
        self.running = False

    @property
    def dead_letter_topic(self) -> str:
        """Where messages that keep failing go."""
        return topics.dead_letter_topic(self.name)

    async def run(self) -> None:
        """Consume until cancelled, each lane on its own; the parked-event retry loop beside."""
        parked_task = asyncio.create_task(self._retry_parked_forever())
        self.running = True
        try:
            async with asyncio.TaskGroup() as lanes:
                for factory, idle_ms in self._lanes:
                    lanes.create_task(self._consume(factory, idle_ms=idle_ms))
        finally:
            self.running = False
            parked_task.cancel()
            await asyncio.gather(parked_task, return_exceptions=True)

    @property
    def rewinds(self) -> int:
        """How many rewinds were asked for."""
        return self._rewinds

    def rewind(self) -> None:
        """Read every partition from its earliest record again (the broker lost the offsets).

        Each lane's member seeks what it holds, and whatever it is assigned later, back to the
        beginning once; the inbox absorbs what was handled before.
        """
        self._rewinds += 1

    def rejoin(self) -> None:
        """Start each lane's group member anew, from the committed offsets (partitions changed).

        A new member is assigned every partition there is now; some brokers (Tansu) keep
        giving a member that rejoins the assignment it had.
        """
        self._rejoins += 1

    def forget_handled(self, partitions) -> None:
        """Newly assigned partitions: their lag counts from the group's position again."""
        for tp in partitions:
            self._handled_to.pop(tp, None)

    async def lags(self) -> dict[TopicPartition, int]:
        """Per partition this replica holds: records on the broker not handled yet (read from
        what the clients already know, no request)."""
        lags = {}
        for member in list(self._members):
            for tp in member.assignment():
                high = member.highwater(tp)
                if high is None:
                    continue
                handled = self._handled_to.get(tp)
                if handled is None:
                    handled = await member.position(tp)
                lags[tp] = max(0, high - handled)
        return lags

    async def _consume(self, factory: Callable[..., AIOKafkaConsumer], *, idle_ms: int) -> None:
        """One lane: a group member at a time, replaced on a rejoin or a failure."""
        rewinder = _LaneListener(self)
        rejoins = self._rejoins
        while True:
            consumer = rewinder.consumer = factory(listener=rewinder)
            try:
                await consumer.start()
                self._members.add(consumer)
                pace = FetchPace(
                    consumer,
                    idle_ms=idle_ms,
                    idle_after_seconds=self._config.idle_after_seconds,
                )
                while rejoins == self._rejoins:
                    batches = await consumer.getmany(timeout_ms=500)
                    pace.polled(bool(batches))
                    if batches:
                        await self._process_partitions(consumer, batches)
                    await rewinder.rewind()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer lane failed; joining the group anew", consumer=self.name)
                await asyncio.sleep(1.0)
            finally:
                self._members.discard(consumer)
                # a member that is not stopped keeps its partitions on some brokers (Tansu)
                with contextlib.suppress(Exception):
                    await asyncio.shield(consumer.stop())
            if rejoins != self._rejoins:
                log.warning("consumer joins its group anew", consumer=self.name)
            rejoins = self._rejoins

    async def _process_partitions(
        self, consumer: AIOKafkaConsumer, batches: dict[TopicPartition, list[ConsumerRecord]]
    ) -> None:
        """Each partition's records in order, the partitions side by side; then their offsets.

        A subject's events share a partition (the subject is the key), so their order holds,
        while one busy partition no longer queues every other behind it.
        """
        tps = list(batches)
        outcomes = await asyncio.gather(
            *(self._drain(batches[tp]) for tp in tps), return_exceptions=True
        )
        done = {
            tp: batches[tp][-1].offset + 1
            for tp, outcome in zip(tps, outcomes, strict=True)
            if outcome is None
        }
        if done:
            self._handled_to.update(done)
            try:
                await consumer.commit(done)
            except (CommitFailedError, IllegalStateError) as exc:
                # the group is rebalancing: the partitions' next member reads these records
                # again from the last commit, and the inbox absorbs them
                log.warning("offsets not committed", consumer=self.name, error=repr(exc))
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _drain(self, records: list[ConsumerRecord]) -> None:
        """One partition's records in order: each run of events in one transaction."""
        run: list[tuple[ConsumerRecord, CloudEvent]] = []
        for record in records:
            try:
                event = CloudEvent.from_kafka(record.value)
            except ValueError:
                await self._handle_run(run)
                run = []
                await self.process(record)  # dead-lettered, in its turn
                continue
            if event.type in self._handlers:
                run.append((record, event))
                if len(run) == BATCH_MAX:
                    await self._handle_run(run)
                    run = []
        await self._handle_run(run)

    async def _handle_run(self, run: list[tuple[ConsumerRecord, CloudEvent]]) -> None:
        """Events of one partition in one transaction; should any fail, one at a time.

        One at a time, a failing event is retried, parked or dead-lettered on its own, and
        the events around it are handled as if it were not there.
        """
        if len(run) > 1:
            try:
                await self._handle_together(
                    [(record.topic, event) for record, event in run], blocked=self._parked_keys
                )
                return
            except Exception as exc:
                log.info(
                    "a batch failed; its events are handled one at a time",
                    consumer=self.name,
                    events=len(run),
                    error=f"{type(exc).__name__}: {exc}",
                )
        for record, event in run:
            await self.process(record, event)

    async def _handle_together(self, items: list[tuple[str, CloudEvent]], **options) -> _Outcome:
        """Events in one transaction; should one refer to something not yet known, once more,
        each from that one on in a savepoint, so that only what is unknown is parked."""
        careful_from: int | None = None
        while True:
            try:
                return await self._handle_batch(items, careful_from=careful_from, **options)
            except _UnknownAt as at:
                careful_from = at.position

    async def _handle_batch(
        self,
        items: list[tuple[str, CloudEvent]],
        *,
        blocked: set[str] | frozenset[str] = frozenset(),
        parked_rows: list | None = None,
        careful_from: int | None = None,
    ) -> _Outcome:
        """Inbox rows for all, then the effects of those not handled before; one commit.

        An event of a blocked subject (one with an event parked, or stuck earlier in the batch)
        is parked in the same transaction without running. From `careful_from` on, each event
        runs in a savepoint, and one that refers to something not yet known is parked instead
        of failing the batch. Retried from the parking (`parked_rows`, one per event), an event
        that ran leaves it in the same transaction, and one still unknown stays, with its reason.
        """
        blocked = set(blocked)
        asked = [i for i, (_, event) in enumerate(items) if event.subject not in blocked]
        to_park: list[tuple[str, CloudEvent, str]] = []
        staying: list[tuple[Row, str]] = []
        settled: list[int] = []
        taken_back: list[str] = []
        handled = duplicates = 0
        async with self._unit_of_work_for(items[0][1]) as uow:
            new = set()
            if asked:
                new = set(
                    await uow.conn.scalars(
                        self._inbox_many,
                        {
                            "ids": [items[i][1].id for i in asked],
                            "types": [items[i][1].type for i in asked],
                        },
                    )
                )
            fresh = set(asked)
            position = 0
            while position < len(items):
                topic, event = items[position]
                row = parked_rows[position] if parked_rows else None
                position += 1
                if position - 1 in fresh and event.id not in new:
                    duplicates += 1  # handled before, or twice in this batch
                    if row is not None:
                        settled.append(row.id)
                    continue
                new.discard(event.id)
                if event.subject in blocked:
                    if position - 1 in fresh:
                        taken_back.append(event.id)
                    if row is None:
                        to_park.append((topic, event, EARLIER_EVENT_PARKED))
                    continue
                careful = careful_from is not None and careful_from < position
                handler = self._handlers[event.type]
                if isinstance(handler, Batched) and not careful:
                    run = self._run_from(position - 1, items, new, blocked, careful_from)
                    if len(run) > 1:
                        try:
                            await handler.many(uow, [items[i][1] for i in run])
                        except NotYetKnown as exc:
                            raise _UnknownAt(run[0]) from exc
                        for i in run[1:]:
                            new.discard(items[i][1].id)
                        handled += len(run)
                        if parked_rows:
                            settled.extend(parked_rows[i].id for i in run)
                        position = run[-1] + 1
                        continue
                uow.caused_by(event)
                try:
                    await self._run_handler(uow, event, careful=careful)
                except NotYetKnown as exc:
                    if not careful:
                        raise _UnknownAt(position - 1) from exc
                    blocked.add(event.subject)
                    taken_back.append(event.id)
                    if row is None:
                        to_park.append((topic, event, str(exc)))
                    else:
                        staying.append((row, str(exc)))
                    continue
                handled += 1
                if row is not None:
                    settled.append(row.id)
            await self._set_aside(uow.conn, taken_back, settled, staying, to_park)
            subjects = {event.subject for _, event, _ in to_park}
            self._parking(subjects)
            try:
                await uow.commit()
            finally:
                self._parked(subjects)
        self._count(handled=handled, duplicate=duplicates, parked=len(to_park))
        if to_park:
            log.info(
                "events parked",
                consumer=self.name,
                events=len(to_park),
                event_ids=[event.id for _, event, _ in to_park],
                reason=to_park[0][2],
            )
        return _Outcome(settled=len(settled), staying=staying)

    def _run_from(
        self,
        start: int,
        items: list[tuple[str, CloudEvent]],
        new: set[str],
        blocked: set[str],
        careful_from: int | None,
    ) -> list[int]:
        """The positions, from `start`, of the events one `Batched` handler can take at once:
        of one type, new, of distinct subjects none of which is blocked, before `careful_from`."""
        kind = items[start][1].type
        run, subjects, ids = [start], {items[start][1].subject}, {items[start][1].id}
        end = len(items) if careful_from is None else careful_from
        for i in range(start + 1, end):
            event = items[i][1]
            if (
                event.type != kind
                or event.id not in new
                or event.id in ids
                or event.subject in subjects
                or event.subject in blocked
            ):
                break
            run.append(i)
            subjects.add(event.subject)
            ids.add(event.id)
        return run

    async def _run_handler(self, uow: UnitOfWork, event: CloudEvent, *, careful: bool) -> None:
        handler = self._handlers[event.type]
        if not careful:
            await handler(uow, event)
            return
        async with uow.savepoint():
            await handler(uow, event)

    async def _set_aside(self, conn, taken_back, settled, staying, to_park) -> None:
        """A batch's parking, a statement per kind: inbox rows of events parked after all
        taken back, parked rows that ran deleted, those still unknown counted, new ones kept."""
        inbox, parked = self._tables.inbox, self._tables.parked
        if taken_back:
            await conn.execute(
                delete(inbox).where(inbox.c.consumer == self.name, inbox.c.event_id.in_(taken_back))
            )
        if settled:
            await conn.execute(delete(parked).where(parked.c.id.in_(settled)))
        if staying:
            await conn.execute(
                update(parked)
                .where(parked.c.id == bindparam("row_id"))
                .values(
                    attempts=parked.c.attempts + 1,
                    retried_at=func.now(),
                    reason=bindparam("why"),
                ),
                [{"row_id": row.id, "why": why} for row, why in staying],
            )
        if to_park:
            await conn.execute(
                insert(parked),
                [self._parked_row(event, topic, why) for topic, event, why in to_park],
            )

    def _count(self, **outcomes: int) -> None:
        for outcome, n in outcomes.items():
            if n:
                metrics.EVENTS_CONSUMED.labels(consumer=self.name, outcome=outcome).inc(n)
        if outcomes.get("handled"):
            self._park_wake.set()

    async def process(self, record: ConsumerRecord, event: CloudEvent | None = None) -> None:
        """Handle one record (its event, when already read): once, parked, or dead-lettered.

        While the database is unreachable it holds the record and waits; only an error of the
        event itself counts as an attempt.
        """
        if event is None:
            try:
                event = CloudEvent.from_kafka(record.value)
            except ValueError as exc:
                error = f"not a CloudEvent: {exc}"
                await self._through_outage(
                    lambda: self._dead_letter(record, None, error, attempts=1)
                )
                return
        handler = self._handlers.get(event.type)
        if handler is None:
            return
        if event.subject in self._parked_keys:
            await self._through_outage(
                lambda: self._park(event, record.topic, EARLIER_EVENT_PARKED)
            )
            return
        error, attempt, outages = "", 0, 0
        while attempt < self._config.max_attempts:
            try:
                outcome = await self._handle(handler, event)
                metrics.EVENTS_CONSUMED.labels(consumer=self.name, outcome=outcome).inc()
                if outcome == "handled":
                    self._park_wake.set()
                return
            except NotYetKnown as exc:
                await self._through_outage(
                    functools.partial(self._park, event, record.topic, str(exc))
                )
                return
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                if is_transient(exc):
                    # the database or network is down, not the message's fault: hold the
                    # partition and wait, never dead-letter for an outage
                    outages += 1
                    delay = min(
                        self._config.outage_backoff_max_seconds,
                        self._config.backoff_seconds * 2 ** min(outages, 10),
                    )
                else:
                    attempt += 1
                    delay = self._config.backoff_seconds * 2 ** (attempt - 1)
                log.warning(
                    "handler failed",
                    consumer=self.name,
                    event_type=event.type,
                    event_id=event.id,
                    attempt=attempt,
                    transient=is_transient(exc),
                    error=error,
                )
                if attempt < self._config.max_attempts:
                    await asyncio.sleep(delay)
        await self._through_outage(
            lambda: self._dead_letter(record, event, error, attempts=attempt)
        )

    async def _through_outage(self, step: Callable[[], Awaitable[T]]) -> T:
        """Run a step, waiting out an unreachable database or broker however long it lasts."""
        outages = 0
        while True:
            try:
                return await step()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                outages += 1
                log.warning(
                    "waiting for the database",
                    consumer=self.name,
                    error=f"{type(exc).__name__}: {exc}",
                )
                await asyncio.sleep(
                    min(
                        self._config.outage_backoff_max_seconds,
                        self._config.backoff_seconds * 2 ** min(outages, 10),
                    )
                )

    async def _handle(
        self, handler: Handler, event: CloudEvent, *, parked_id: int | None = None
    ) -> str:
        """Inbox row, effects and emitted events in one transaction; a duplicate does nothing.

        A parked event leaves the parking in that same transaction.
        """
        async with self._unit_of_work_for(event) as uow:
            if parked_id is not None:
                parked = self._tables.parked
                await uow.conn.execute(delete(parked).where(parked.c.id == parked_id))
            inserted = await uow.conn.execute(
                self._inbox_one, {"event_id": event.id, "event_type": event.type}
            )
            outcome = "duplicate"
            if inserted.rowcount:
                await handler(uow, event)
                outcome = "handled"
            await uow.commit()
        return outcome

    def _unit_of_work_for(self, event: CloudEvent) -> UnitOfWork:
        """The unit of work handling an event: its effects are caused by it, in its correlation."""
        uow = UnitOfWork(
            engine=self._engine,
            tables=self._tables,
            source=self._source,
            repositories=self._repositories,
        )
        uow.caused_by(event)
        return uow

    async def learn_parked(self) -> None:
        """Read which subjects have parked events (partitions held elsewhere may have some)."""
        p = self._tables.parked
        since = asyncio.get_running_loop().time()
        async with self._engine.connect() as conn:
            keys = set(
                await conn.scalars(select(p.c.key).where(p.c.consumer == self.name).distinct())
            )
        self._settle_parked_keys(keys, since)

    def _settle_parked_keys(self, stored: set[str], since: float) -> None:
        """The parked subjects: those stored, and those parked since the store was read."""
        recent = self._recently_parked
        for key in [k for k, at in recent.items() if at < since - 60]:
            del recent[key]
        self._parked_keys = stored | {k for k, at in recent.items() if at >= since}

    async def _park(self, event: CloudEvent, topic: str, reason: str) -> None:
        log.info(
            "event parked",
            consumer=self.name,
            event_type=event.type,
            event_id=event.id,
            reason=reason,
        )
        self._parking({event.subject})
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    insert(self._tables.parked).values(self._parked_row(event, topic, reason))
                )
        finally:
            self._parked({event.subject})
        self._count(parked=1)

    def _parked_row(self, event: CloudEvent, topic: str, reason: str) -> dict:
        return {
            "consumer": self.name,
            "event_id": event.id,
            "key": event.subject,
            "topic": topic,
            "envelope": event.model_dump(mode="json", exclude_none=True),
            "reason": reason,
        }

    def _parking(self, subjects: set[str]) -> None:
        """Subjects about to have parked rows: until these commit a reader of the store may
        miss them, so they count as parked from now."""
        for subject in subjects:
            self._parked_keys.add(subject)
            self._recently_parked[subject] = math.inf

    def _parked(self, subjects: set[str]) -> None:
        now = asyncio.get_running_loop().time()
        for subject in subjects:
            self._recently_parked[subject] = now

    async def _retry_parked_forever(self) -> None:
        """A round whenever something was handled or a while passed, if anything is parked.

        With nothing parked here, the store is still looked at every `PARKED_SWEEP_ROUNDS`
        rounds (another replica may have parked what this one now holds).
        """
        rounds = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._park_wake.wait(), self._config.park_retry_seconds)
            self._park_wake.clear()
            rounds += 1
            if not self._parked_keys and rounds % PARKED_SWEEP_ROUNDS:
                continue
            try:
                await self.retry_parked()
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("parked retry round failed", consumer=self.name)

    async def retry_parked(self) -> int:
        """Retry parked events in order per subject; returns how many were applied."""
        p = self._tables.parked
        since = asyncio.get_running_loop().time()
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(p).where(p.c.consumer == self.name).order_by(p.c.id).limit(500)
                )
            ).all()
        if not rows:
            self._settle_parked_keys(set(), since)
            return 0
        applied = 0
        stuck: set[str] = set()
        max_age = timedelta(seconds=self._config.park_max_age_seconds)
        for start in range(0, len(rows), BATCH_MAX):
            chunk = rows[start : start + BATCH_MAX]
            try:
                applied += await self._retry_parked_batch(chunk, stuck, max_age)
            except Exception as exc:
                if is_transient(exc):
                    raise  # the database is away: try the round again later, count nothing
                applied += await self._retry_parked_rows(chunk, stuck, max_age)
        await self.learn_parked()
        return applied

    async def _retry_parked_batch(self, rows, stuck: set[str], max_age: timedelta) -> int:
        """Parked rows in order, in one transaction (two when some are still unknown); a subject
        stuck (here or in an earlier chunk) keeps its later rows waiting. Returns how many ran."""
        items = [(row.topic, CloudEvent.model_validate(row.envelope)) for row in rows]
        outcome = await self._handle_together(items, blocked=stuck, parked_rows=rows)
        stuck.update(row.key for row, _ in outcome.staying)
        now = datetime.now(UTC)
        for row, reason in outcome.staying:
            if now - row.parked_at > max_age:
                await self._still_parked(row, reason, expired=True)
        if outcome.settled:
            log.info("parked events applied", consumer=self.name, events=outcome.settled)
        return outcome.settled

    async def _retry_parked_rows(self, rows, stuck: set[str], max_age: timedelta) -> int:
        """Parked rows one at a time; a subject stays stuck behind its first that still fails."""
        applied = 0
        for row in rows:
            if row.key in stuck:
                continue
            event = CloudEvent.model_validate(row.envelope)
            handler = self._handlers[event.type]
            try:
                await self._handle(handler, event, parked_id=row.id)
                log.info("parked event applied", consumer=self.name, event_id=event.id)
                applied += 1
            except NotYetKnown as exc:
                stuck.add(row.key)
                await self._still_parked(
                    row, str(exc), expired=datetime.now(UTC) - row.parked_at > max_age
                )
            except Exception as exc:
                if is_transient(exc):
                    raise  # the database is away: try the round again later, count nothing
                stuck.add(row.key)
                await self._still_parked(row, f"{type(exc).__name__}: {exc}", expired=True)
        return applied

    async def _still_parked(self, row, reason: str, *, expired: bool) -> None:
        p = self._tables.parked
        async with self._engine.begin() as conn:
            if expired:
                await conn.execute(delete(p).where(p.c.id == row.id))
            else:
                await conn.execute(
                    update(p)
                    .where(p.c.id == row.id)
                    .values(attempts=p.c.attempts + 1, retried_at=datetime.now(UTC), reason=reason)
                )
        if expired:
            record = ConsumerRecord(
                topic=row.topic,
                partition=-1,
                offset=-1,
                timestamp=0,
                timestamp_type=0,
                key=row.key.encode(),
                value=json.dumps(row.envelope).encode(),
                checksum=None,
                serialized_key_size=0,
                serialized_value_size=0,
                headers=(),
            )
            await self._dead_letter(
                record, CloudEvent.model_validate(row.envelope), reason, attempts=row.attempts
            )

    async def _dead_letter(
        self, record: ConsumerRecord, event: CloudEvent | None, error: str, *, attempts: int
    ) -> None:
        """Keep a row to list and replay, and the dead-letter record in the outbox, together.

        Both are written in one transaction, so neither exists without the other; the relay
        publishes the record to the dead-letter topic.
        """
        headers = [
            ("dlq-error", error.encode()[:4000]),
            ("dlq-consumer", self.name.encode()),
            ("dlq-origin", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        ]
        key = record.key.decode(errors="replace") if record.key else None
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(self._tables.dead_letters).values(
                    consumer=self.name,
                    event_id=event.id if event else None,
                    event_type=event.type if event else None,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    key=key,
                    value=record.value.decode(errors="replace"),
                    error=error[:4000],
                    attempts=attempts,
                )
            )
            await conn.execute(
                insert(self._tables.outbox).values(
                    event_id=uuid.uuid4(),
                    topic=self.dead_letter_topic,
                    key=(key or "")[:200],
                    event_type=DEAD_LETTER_TYPE,
                    envelope=raw_record_envelope(record.key, record.value, headers),
                )
            )
            await conn.execute(
                text("SELECT pg_notify(:c, '')"), {"c": notify_channel(self._tables.schema)}
            )
        metrics.EVENTS_CONSUMED.labels(consumer=self.name, outcome="dead_lettered").inc()
        metrics.DEAD_LETTERS.labels(service=self.name, topic=record.topic).inc()
        log.error(
            "event dead-lettered",
            consumer=self.name,
            topic=record.topic,
            offset=record.offset,
            event_type=event.type if event else None,
            error=error,
        )

    async def replay_dead_letter(self, dead_letter_id: int) -> str:
        """Run a dead letter through its handler again; returns the outcome."""
        d = self._tables.dead_letters
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(d).where(d.c.id == dead_letter_id))).one_or_none()
        if row is None:
            raise LookupError(dead_letter_id)
        event = CloudEvent.from_kafka(row.value.encode())
        handler = self._handlers.get(event.type)
        if handler is None:
            raise ValueError(f"no handler for {event.type}")
        try:
            outcome = await self._handle(handler, event)
        except NotYetKnown as exc:
            await self._park(event, row.topic, str(exc))
            outcome = "parked"
        async with self._engine.begin() as conn:
            await conn.execute(
                update(d).where(d.c.id == dead_letter_id).values(replayed_at=datetime.now(UTC))
            )
        return outcome
