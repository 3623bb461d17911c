"""The outbox relay: publishes committed outbox rows in order per key, then marks them sent."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from plenary_shared import metrics
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
        after_publish: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._engine = engine
        self._dsn = asyncpg_dsn(database_url)
        self._outbox = tables.outbox
        self._channel = notify_channel(tables.schema)
        self._producer = producer
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._after_publish = after_publish
        self._wake = asyncio.Event()
        self.running = False

    async def run(self) -> None:
        """Relay until cancelled, woken by NOTIFY and by polling when notifications are missed."""
        listener = await self._listen()
        self.running = True
        try:
            while True:
                self._wake.clear()
                try:
                    published = await self.relay_once()
                except Exception:
                    log.exception("outbox relay round failed")
                    published = 0
                if published >= self._batch_size:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
        finally:
            self.running = False
            if listener is not None:
                await listener.close()

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            conn = await asyncpg.connect(self._dsn)
            await conn.add_listener(self._channel, lambda *_: self._wake.set())
            return conn
        except (OSError, asyncpg.PostgresError):
            log.warning("outbox LISTEN unavailable, polling only", channel=self._channel)
            return None

    async def relay_once(self) -> int:
        """Publish one batch; the rows stay locked until they are marked sent in the same transaction."""
        o = self._outbox
        async with self._engine.connect() as conn, conn.begin():
            locked = (
                await conn.execute(
                    select(o.c.id, o.c.topic, o.c.key, o.c.envelope)
                    .where(o.c.sent_at.is_(None))
                    .order_by(o.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not locked:
                return 0
            keys = {row.key for row in locked}
            earlier = (
                await conn.execute(
                    select(o.c.id, o.c.key)
                    .where(o.c.sent_at.is_(None), o.c.key.in_(keys), o.c.id <= locked[-1].id)
                    .order_by(o.c.id)
                )
            ).all()
            publishable = _in_key_order(locked_ids={r.id for r in locked}, unsent=earlier)
            rows = [r for r in locked if r.id in publishable]
            futures = []
            for row in rows:
                key, value, headers = CloudEvent.model_validate(row.envelope).to_kafka()
                futures.append(
                    await self._producer.send(row.topic, value=value, key=key, headers=headers)
                )
            await asyncio.gather(*futures)
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


def _in_key_order(*, locked_ids: set[int], unsent: list) -> set[int]:
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
