"""The outbox relay: publishes committed outbox rows in order per key, then marks them sent."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from sqlalchemy import delete, false, func, null, select, true, union_all, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from plenary_shared import metrics, tracing
from plenary_shared.db import notify_channel
from plenary_shared.envelope import CloudEvent
from plenary_shared.messaging_tables import MessagingTables

log = structlog.get_logger(__name__)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The plain libpq-style DSN of a SQLAlchemy URL, for a raw asyncpg LISTEN connection."""
    return (
        make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


class OutboxRelay:
    """Publishes unsent outbox rows; several relays may run at once (FOR UPDATE SKIP LOCKED)."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        database_url: str,
        tables: MessagingTables,
        producer: AIOKafkaProducer,
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        listening_poll_seconds: float = 30.0,
        after_publish: Callable[[], Awaitable[None]] | None = None,
        check_seconds: float = 10.0,
        reconnect_max_seconds: float = 5.0,
    ) -> None:
        self._engine = engine
        self._dsn = asyncpg_dsn(database_url)
        self._outbox = tables.outbox
        self._channel = notify_channel(tables.schema)
        self._producer = producer
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._listening_poll_seconds = max(poll_seconds, listening_poll_seconds)
        self._held_back = False
        self._after_publish = after_publish
        self._check_seconds = check_seconds
        self._reconnect_max_seconds = reconnect_max_seconds
        self._wake = asyncio.Event()
        self._released = asyncio.Event()
        self._released.set()
        self.application_name = f"plenary-relay-{tables.schema}"
        self.running = False
        self.listening = False

    async def run(self) -> None:
        """Relay until cancelled, woken by NOTIFY and by polling when notifications are missed."""
        listening = asyncio.create_task(self._keep_listening())
        self.running = True
        try:
            while True:
                if listening.done():
                    listening.result()  # an unexpected crash restarts the relay (its supervisor)
                self._wake.clear()
                await self._released.wait()
                failed = False
                try:
                    published = await self.relay_once()
                except Exception:
                    log.exception("outbox relay round failed")
                    published, failed = 0, True
                if published >= self._batch_size:
                    continue
                # while LISTEN holds, every commit that adds a row wakes the relay: polling is
                # only the safety net then
                # (rows left for another relay to publish first come back without a NOTIFY)
                calm = self.listening and not failed and not self._held_back
                timeout = self._listening_poll_seconds if calm else self._poll_seconds
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=timeout)
        finally:
            self.running = False
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening

    def pause(self) -> None:
        """Publish nothing from the next round on (while the broker's topics are remade)."""
        self._released.clear()

    def resume(self) -> None:
        """Publish again."""
        self._released.set()
        self._wake.set()

    async def _keep_listening(self) -> None:
        """Hold the LISTEN connection; after any loss of it, reconnect with backoff."""
        delay = 0.1
        while True:
            lost = asyncio.Event()
            conn = await self._listen(lost, quiet=delay > 0.1)
            if conn is None:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._reconnect_max_seconds)
                continue
            delay = 0.1
            try:
                self._set_listening(True)
                self._wake.set()  # a NOTIFY sent while nobody listened is lost: relay once now
                await self._until_lost(conn, lost)
                log.warning("outbox LISTEN connection lost; reconnecting", channel=self._channel)
            finally:
                self._set_listening(False)
                conn.terminate()

    async def _listen(self, lost: asyncio.Event, *, quiet: bool) -> asyncpg.Connection | None:
        """A connection listening on the schema's channel, or None while Postgres is not there."""
        conn = None
        try:
            conn = await asyncpg.connect(
                self._dsn,
                timeout=self._check_seconds,
                server_settings={"application_name": self.application_name},
            )
            conn.add_termination_listener(lambda _: lost.set())
            await conn.add_listener(self._channel, lambda *_: self._wake.set())
            return conn
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if not quiet:
                log.warning(
                    "outbox LISTEN unavailable, polling until it is back",
                    channel=self._channel,
                    error=type(exc).__name__,
                )
            if conn is not None:
                conn.terminate()
            return None

    async def _until_lost(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return once the connection is closed, or stops answering (a half-open socket)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), timeout=self._check_seconds)
            if lost.is_set() or conn.is_closed():
                return
            try:
                await conn.fetchval("SELECT 1", timeout=self._check_seconds)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                return

    def _set_listening(self, listening: bool) -> None:
        self.listening = listening
        if not listening:
            self._wake.set()  # back to polling at once
        metrics.RELAY_LISTENING.labels(service=self._outbox.schema).set(int(listening))

    @functools.cached_property
    def _lock_query(self):
        """A batch of unsent rows locked for this round (`ours`), with the unsent rows of the
        same keys that came before them and another relay holds (their order must be kept),
        in id order: one statement."""
        o = self._outbox
        locked = (
            select(o.c.id, o.c.topic, o.c.key, o.c.envelope)
            .where(o.c.sent_at.is_(None))
            .order_by(o.c.id)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
            .cte("locked")
        )
        held_elsewhere = select(
            o.c.id, null().label("topic"), o.c.key, null().label("envelope"), false().label("ours")
        ).where(
            o.c.sent_at.is_(None),
            o.c.key.in_(select(locked.c.key)),
            o.c.id < select(func.max(locked.c.id)).scalar_subquery(),
            o.c.id.not_in(select(locked.c.id)),
        )
        ours = select(locked, true().label("ours"))
        both = union_all(ours, held_elsewhere).subquery("found")
        return select(both).order_by(both.c.id)

    async def relay_once(self) -> int:
        """Publish one batch; the rows stay locked until they are marked sent in the same transaction."""
        o = self._outbox
        self._held_back = False
        async with self._engine.connect() as conn, conn.begin():
            found = (await conn.execute(self._lock_query)).all()
            if not found:
                return 0
            locked = [r for r in found if r.ours]
            publishable = _in_key_order(locked_ids={r.id for r in locked}, unsent=found)
            rows = [r for r in locked if r.id in publishable]
            self._held_back = len(rows) < len(locked)
            futures, spans = [], []
            try:
                for row in rows:
                    envelope = row.envelope
                    if tracing.enabled() and "raw_record" not in envelope:
                        envelope, span = _publishing(envelope, row.topic)
                        spans.append(span)
                    key, value, headers = kafka_record(envelope)
                    futures.append(
                        await self._producer.send(row.topic, value=value, key=key, headers=headers)
                    )
                await asyncio.gather(*futures)
            except BaseException as exc:
                for span in spans:
                    tracing.end(span, exc)
                raise
            for span in spans:
                tracing.end(span)
            if self._after_publish is not None:
                await self._after_publish()
            await conn.execute(
                update(o).where(o.c.id.in_([r.id for r in rows])).values(sent_at=datetime.now(UTC))
            )
        metrics.EVENTS_PUBLISHED.labels(schema=self._outbox.schema).inc(len(rows))
        return len(rows)

    async def backlog(self) -> int:
        """How many committed events wait to be published."""
        o = self._outbox
        async with self._engine.connect() as conn:
            return await conn.scalar(select(func.count()).where(o.c.sent_at.is_(None))) or 0


def retention_horizon(retention_hours: float, *, now: datetime | None = None) -> datetime:
    """The oldest moment whose outbox rows are still kept (and so can be re-published)."""
    return (now or datetime.now(UTC)) - timedelta(hours=retention_hours)


def since_problem(
    since: datetime, *, retention_hours: float, now: datetime | None = None
) -> str | None:
    """Why a republish cannot start at `since`, or None when it can."""
    now = now or datetime.now(UTC)
    if since > now:
        return "must not be in the future"
    horizon = retention_horizon(retention_hours, now=now)
    if since < horizon:
        return f"must not be before {horizon.isoformat(timespec='seconds')} (the outbox retention)"
    return None


async def republish_since(
    engine: AsyncEngine, tables: MessagingTables, since: datetime, *, skip_types: tuple[str, ...]
) -> int:
    """Mark every sent row created since a moment unsent again, in one statement; how many."""
    o = tables.outbox
    async with engine.begin() as conn:
        result = await conn.execute(
            update(o)
            .where(
                o.c.created_at >= since,
                o.c.sent_at.is_not(None),
                o.c.event_type.not_in(skip_types),
            )
            .values(sent_at=None)
        )
        await conn.execute(select(func.pg_notify(notify_channel(tables.schema), "")))
    return result.rowcount


async def prune_sent(
    engine: AsyncEngine, tables: MessagingTables, *, before: datetime, batch_size: int = 1000
) -> int:
    """Delete sent rows created before a moment, in batches of bounded size; how many."""
    o = tables.outbox
    total = 0
    while True:
        batch = (
            select(o.c.id)
            .where(o.c.sent_at.is_not(None), o.c.created_at < before)
            .order_by(o.c.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        async with engine.begin() as conn:
            deleted = (
                await conn.execute(delete(o).where(o.c.id.in_(batch.scalar_subquery())))
            ).rowcount
        total += deleted
        if deleted < batch_size:
            return total
        await asyncio.sleep(0)  # let others in between batches


async def prune_forever(
    engine: AsyncEngine,
    tables: MessagingTables,
    *,
    retention_hours: float,
    every_seconds: float,
    batch_size: int,
) -> None:
    """Prune sent rows past the retention now and then; an outage only skips a round."""
    while True:
        try:
            pruned = await prune_sent(
                engine, tables, before=retention_horizon(retention_hours), batch_size=batch_size
            )
            if pruned:
                log.info("outbox pruned", schema=tables.schema, rows=pruned)
        except Exception as exc:
            log.warning("outbox pruning failed", schema=tables.schema, error=type(exc).__name__)
        await asyncio.sleep(every_seconds)


def raw_record_envelope(
    key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]
) -> dict[str, Any]:
    """An outbox envelope for a record published as it is (a dead letter), not as an event."""
    return {
        "raw_record": {
            "key": base64.b64encode(key).decode() if key is not None else None,
            "value": base64.b64encode(value).decode(),
            "headers": [[name, base64.b64encode(v).decode()] for name, v in headers],
        }
    }


def _publishing(envelope: dict[str, Any], topic: str) -> tuple[dict[str, Any], tracing.Span | None]:
    """A producer span for an event, child of the context it was emitted in, and the envelope
    carrying this span's context to its consumers."""
    span = tracing.start(
        f"publish {envelope.get('type')}",
        kind=tracing.SpanKind.PRODUCER,
        parent={k: envelope[k] for k in ("traceparent", "tracestate") if k in envelope},
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": topic,
            "messaging.message.id": str(envelope.get("id")),
        },
    )
    return {**envelope, **tracing.carrier_of(span)}, span


def kafka_record(envelope: dict[str, Any]) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
    """The Kafka key, value and headers of an outbox row."""
    raw = envelope.get("raw_record")
    if raw is None:
        return CloudEvent.model_validate(envelope).to_kafka()
    key = base64.b64decode(raw["key"]) if raw["key"] is not None else None
    headers = [(name, base64.b64decode(v)) for name, v in raw["headers"]]
    return key, base64.b64decode(raw["value"]), headers


def _in_key_order(*, locked_ids: set[int], unsent: Sequence) -> set[int]:
    """The locked rows whose every earlier unsent row of the same key is also locked by us."""
    blocked: set[str] = set()
    publishable: set[int] = set()
    for row in unsent:
        if row.key in blocked:
            continue
        if row.id in locked_ids:
            publishable.add(row.id)
        else:
            blocked.add(row.key)
    return publishable
