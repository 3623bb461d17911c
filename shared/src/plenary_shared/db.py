"""Database engine per service schema and the unit of work that commits domain rows with their outbox rows."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from sqlalchemy import MetaData, Text, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from plenary_shared import tracing
from plenary_shared.envelope import CloudEvent
from plenary_shared.events import EventPayload
from plenary_shared.idempotency import IdempotencyClaim
from plenary_shared.messaging_tables import MessagingTables


def make_engine(url: str, *, schema: str, pool_size: int = 10) -> AsyncEngine:
    """An asyncpg engine whose connections see only the service's schema.

    No pre-ping (three round trips per checkout): a connection found dropped fails its
    statement as an outage (503 with Retry-After, or a consumer that waits and retries) and
    the pool discards every connection older than it.
    """
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=10,
        connect_args={"server_settings": {"search_path": schema, "application_name": schema}},
    )


@asynccontextmanager
async def single_statements(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose every statement is its own transaction: no BEGIN and COMMIT round
    trips, for work that one statement does whole (a lease, a batch of outcomes)."""
    async with engine.connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")


def notify_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel that wakes a schema's outbox relay."""
    return f"{schema}_outbox"


@functools.cache
def _emit_statement(outbox, channel: str):
    """Every outbox row of a transaction in one statement, in the order emitted, and the NOTIFY
    that wakes the relays (NOTIFY is transactional: they hear it when, and only if, the rows
    commit). Built once per outbox; a transaction binds one array per column."""
    given = (
        func.unnest(
            bindparam("event_ids", type_=ARRAY(outbox.c.event_id.type)),
            bindparam("topics", type_=ARRAY(outbox.c.topic.type)),
            bindparam("keys", type_=ARRAY(outbox.c.key.type)),
            bindparam("event_types", type_=ARRAY(outbox.c.event_type.type)),
            bindparam("envelopes", type_=ARRAY(Text)),
        )
        .table_valued(*_OUTBOX_VALUES, with_ordinality="n")
        .render_derived(name="given")
    )
    rows = select(
        *(given.c[name] for name in _OUTBOX_VALUES[:-1]), cast(given.c.envelope, JSONB)
    ).order_by(given.c.n)
    emitted = (
        outbox.insert().from_select(_OUTBOX_VALUES, rows).returning(outbox.c.id).cte("emitted")
    )
    return select(func.pg_notify(channel, "")).select_from(emitted).limit(1)


_OUTBOX_VALUES = ("event_id", "topic", "key", "event_type", "envelope")

RepoT = TypeVar("RepoT")
Repositories = Callable[[AsyncConnection], RepoT]


def new_event(
    payload: EventPayload,
    *,
    subject: str,
    source: str,
    correlation_id: str | None,
    causation_id: str | None,
    trace: dict[str, str] | None = None,
) -> CloudEvent:
    """The envelope of an event a unit of work emits (in the trace `trace` carries, if any)."""
    trace = trace or {}
    return CloudEvent(
        source=source,
        type=payload.event_type,
        subject=subject,
        dataschema=payload.dataschema(),
        correlationid=correlation_id,
        causationid=causation_id,
        traceparent=trace.get("traceparent"),
        tracestate=trace.get("tracestate"),
        data=payload.model_dump(mode="json"),
    )


class UnitOfWork(Generic[RepoT]):
    """One transaction: the handler's effects and the events they raise commit together or not at all.

    `uow.repo` is the service's repository on this transaction's connection (built by the
    `repositories` factory the composition root gives): the one door use cases write through.
    """

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        tables: MessagingTables,
        source: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        repositories: Repositories[RepoT] | None = None,
    ) -> None:
        self._engine = engine
        self._repositories = repositories
        self._repo: RepoT | None = None
        self.tables = tables
        self.source = source
        self.correlation_id = correlation_id or str(uuid.uuid4())
        self.causation_id = causation_id
        self.emitted: list[CloudEvent] = []
        # the outbox rows not yet written: all of them go in one statement at the commit
        self._unwritten: list[tuple[CloudEvent, str]] = []
        self._after_commit: list[Callable[[], None]] = []
        self.idempotency: IdempotencyClaim | None = None
        self._result: str | None = None
        self._conn: AsyncConnection | None = None
        self._committed = False
        # what this transaction has read or taken once (events handled in a batch share it)
        self.memo: dict[str, Any] = {}
        self._before_commit: dict[str, Callable[[], Awaitable[None]]] = {}
        # with tracing on: a consumer span per event handled, and the one emits are caused in
        self._spans: dict[str, tracing.Span | None] = {}
        self._trace: dict[str, str] | None = None

    @property
    def conn(self) -> AsyncConnection:
        """The open connection of this unit of work."""
        if self._conn is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._conn

    @property
    def repo(self) -> RepoT:
        """The service's repository, on this unit of work's connection."""
        if self._repo is None:
            if self._repositories is None:
                raise RuntimeError("this unit of work was made without repositories")
            self._repo = self._repositories(self.conn)
        return self._repo

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        await self._conn.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        self._repo = None
        spans, self._spans = self._spans, {}
        for span in spans.values():
            tracing.end(span, exc)
        if conn is None:
            return
        try:
            if not self._committed:
                await conn.rollback()
        finally:
            await conn.close()

    async def emit(self, payload: EventPayload, *, subject: str) -> CloudEvent:
        """Record an event for the outbox; it is published only if this unit of work commits."""
        event = new_event(
            payload,
            subject=subject,
            source=self.source,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            trace=self.trace_carrier(),
        )
        self._unwritten.append((event, payload.topic))
        self.emitted.append(event)
        return event

    async def _write_outbox(self) -> None:
        """The events emitted since the last write, as outbox rows, in one statement."""
        if not self._unwritten:
            return
        unwritten, self._unwritten = self._unwritten, []
        statement = _emit_statement(self.tables.outbox, notify_channel(self.tables.schema))
        await self.conn.execute(
            statement,
            {
                "event_ids": [uuid.UUID(event.id) for event, _ in unwritten],
                "topics": [topic for _, topic in unwritten],
                "keys": [event.subject for event, _ in unwritten],
                "event_types": [event.type for event, _ in unwritten],
                "envelopes": [event.model_dump_json(exclude_none=True) for event, _ in unwritten],
            },
        )

    def caused_by(self, event: CloudEvent) -> None:
        """Events emitted from now on are caused by this one, in its correlation (and trace).

        With tracing on, handling the event is a consumer span, child of the span that
        published it, ended with this unit of work; the task's log lines carry its ids.
        """
        self.correlation_id = event.correlationid or event.id
        self.causation_id = event.id
        if not tracing.enabled():
            # the event's traceparent is passed on as it came
            self._trace = _trace_of(event)
            tracing.IDS.set((self.correlation_id, tracing.trace_id_in(event.traceparent)))
            return
        if event.id not in self._spans:
            self._spans[event.id] = tracing.start(
                f"process {event.type}",
                kind=tracing.SpanKind.CONSUMER,
                parent=_trace_of(event),
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.type": "process",
                    "messaging.message.id": event.id,
                    "cloudevents.event_type": event.type,
                    "cloudevents.event_subject": event.subject,
                    "plenary.service": self.source,
                },
            )
        span = self._spans[event.id]
        self._trace = tracing.carrier_of(span)
        trace_id = tracing.trace_id_of(span) if span is not None else None
        tracing.IDS.set((self.correlation_id, trace_id))

    def trace_carrier(self) -> dict[str, str]:
        """The trace context what this unit of work emits is in: the span of the event it
        handles, else the current span (a request's); with tracing off, the one the event or
        request came with."""
        if self._trace is not None:
            return self._trace
        return tracing.carrier_of()

    def remember_result(self, resource_id: object) -> None:
        """Name what this command created or changed, for a command that emits no event."""
        self._result = str(resource_id)

    async def earlier_result(self) -> str | None:
        """With an Idempotency-Key already used by this caller: the id the first request produced."""
        if self.idempotency is None:
            return None
        return await self.idempotency.earlier_result(self._engine, self.tables.idempotency)

    async def commit(self) -> None:
        """Commit (the relays hear of emitted events as it does).

        With an Idempotency-Key, what the command created or changed (`remember_result`, else
        the subject of its first event) is remembered in the same transaction.
        """
        for flush in self._before_commit.values():
            await flush()
        await self._write_outbox()
        result = self._result or (self.emitted[0].subject if self.emitted else None)
        if self.idempotency is not None and result is not None:
            await self.idempotency.record(self.conn, self.tables.idempotency, result)
        await self.conn.commit()
        self._committed = True
        for callback in self._after_commit:
            callback()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """What runs inside is undone if it raises: its statements (a SAVEPOINT), the events it
        emitted, the callbacks it registered and what it put in the memo.

        Memo values are restored in place (a flush may hold them): lists are cut back to their
        length (append only), dicts and sets to their content.
        """
        kept = self._checkpoint()
        nested = await self.conn.begin_nested()
        try:
            yield
        except BaseException:
            await nested.rollback()
            self._restore(kept)
            raise
        await nested.commit()

    def _checkpoint(self) -> tuple:
        memo = {key: (value, _contents(value)) for key, value in self.memo.items()}
        return (
            len(self._unwritten),
            len(self.emitted),
            len(self._after_commit),
            dict(self._before_commit),
            memo,
        )

    def _restore(self, kept: tuple) -> None:
        unwritten, emitted, after_commit, before_commit, memo = kept
        del self._unwritten[unwritten:]
        del self.emitted[emitted:]
        del self._after_commit[after_commit:]
        self._before_commit = before_commit
        self.memo.clear()
        for key, (value, contents) in memo.items():
            _put_back(value, contents)
            self.memo[key] = value

    def before_commit(self, name: str, flush: Callable[[], Awaitable[None]]) -> None:
        """Run `flush` once, just before the commit (rows gathered for one statement)."""
        self._before_commit.setdefault(name, flush)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run a callback once this unit of work has committed (never if it rolls back)."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)


def _trace_of(event: CloudEvent) -> dict[str, str]:
    """The trace context an event carries (empty: the event starts a trace)."""
    carrier = {}
    if event.traceparent:
        carrier["traceparent"] = event.traceparent
        if event.tracestate:
            carrier["tracestate"] = event.tracestate
    return carrier


def _contents(value: object) -> object:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict | set):
        return value.copy()
    return None


def _put_back(value: object, contents: object) -> None:
    if isinstance(value, list) and isinstance(contents, int):
        del value[contents:]
    elif (isinstance(value, dict) and isinstance(contents, dict)) or (
        isinstance(value, set) and isinstance(contents, set)
    ):
        value.clear()
        value.update(contents)


def schema_metadata(schema: str) -> MetaData:
    """A MetaData bound to one service schema, with stable constraint names."""
    return MetaData(
        schema=schema,
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        },
    )
