"""The live stream: every consumed event kept in order for a while, read by scope from a position."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from prometheus_client import Gauge
from sqlalchemy import delete

from plenary_notification.adapters import repository
from plenary_notification.adapters.tables import stream_events
from plenary_notification.domain.model import Scope, matches
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.runtime import ServiceRuntime

STREAM_LOCK = 0x706C656E  # an advisory lock id of this service's own
OPEN_STREAMS = Gauge("plenary_stream_clients", "Live streams open in this process")


class Listeners:
    """Open streams of this process, woken when new events are committed."""

    def __init__(self) -> None:
        self._events: set[asyncio.Event] = set()

    @contextlib.contextmanager
    def listening(self):
        """An event set whenever something new may be there."""
        event = asyncio.Event()
        self._events.add(event)
        OPEN_STREAMS.inc()
        try:
            yield event
        finally:
            self._events.discard(event)
            OPEN_STREAMS.dec()

    def wake_all(self) -> None:
        """Something new was committed."""
        for event in self._events:
            event.set()


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


async def on_event(uow: UnitOfWork, event: CloudEvent, *, listeners: Listeners) -> None:
    """Keep an event for the streams, with what decides who may see it."""
    envelope = event.model_dump(mode="json", exclude_none=True)
    envelope["data"].pop("sealed_code", None)
    envelope["data"].pop("sealed_link", None)
    data = event.data
    rows = uow.memo.get("stream_rows")
    if rows is None:
        rows = uow.memo["stream_rows"] = []
        uow.before_commit("stream", lambda: _keep(uow, rows))
    rows.append(
        {
            "event_id": event.id,
            "event_type": event.type,
            "meeting_id": _uuid(data.get("meeting_id")),
            "delegation_id": _uuid(data.get("delegation_id")),
            "application_id": _uuid(data.get("application_id")),
            "session_id": _uuid(data.get("session_id")),
            "envelope": envelope,
        }
    )
    uow.after_commit(listeners.wake_all)


async def _keep(uow: UnitOfWork, rows: list[dict]) -> None:
    """The transaction's events in one statement, positions handed out as it commits.

    Positions must follow commit order, or a reader could pass one still uncommitted: writers
    (consumers of every replica) take turns from here to their commit, which is next. The turn
    is taken in the same statement, before any position is drawn.
    """
    await repository.keep_in_turn(uow.conn, rows, lock=STREAM_LOCK)


async def follow(
    rt: ServiceRuntime,
    *,
    scope: Scope | None,
    after: int,
    patterns: list[str],
    meeting_id: uuid.UUID | None,
    poll_seconds: float,
) -> AsyncIterator[tuple[int, str, dict]]:
    """Events in the scope after a position, then new ones as they come; forever."""
    listeners: Listeners = rt.state["stream_listeners"]
    with listeners.listening() as woken:
        while True:
            woken.clear()
            async with rt.engine.connect() as conn:
                rows = await repository.stream_after(
                    conn, after=after, scope=scope, meeting_id=meeting_id, limit=500
                )
            for row in rows:
                after = row.seq
                if not patterns or matches(patterns, row.event_type):
                    yield row.seq, row.event_type, row.envelope
            if len(rows) == 500:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=poll_seconds)


async def start_position(conn) -> int:
    """Where a stream without Last-Event-ID starts: after everything so far."""
    return await repository.last_stream_position(conn)


async def prune_forever(rt: ServiceRuntime) -> None:
    """Forget stream events older than the retention (a stream resumes within it)."""
    settings = rt.settings
    while True:
        cutoff = datetime.now(UTC) - timedelta(hours=settings.stream_retention_hours)
        async with rt.engine.begin() as conn:
            await conn.execute(delete(stream_events).where(stream_events.c.at < cutoff))
        await asyncio.sleep(3600)
