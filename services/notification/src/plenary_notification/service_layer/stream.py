"""The live stream: every consumed event kept in order for a while (read by the stream route,
forgotten by the pruning worker)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import TYPE_CHECKING

from prometheus_client import Gauge

from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent

if TYPE_CHECKING:
    from plenary_notification.adapters.repository import Repository

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


async def on_event(uow: UnitOfWork[Repository], event: CloudEvent, *, listeners: Listeners) -> None:
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


async def _keep(uow: UnitOfWork[Repository], rows: list[dict]) -> None:
    """The transaction's events in one statement, positions handed out as it commits.

    Positions must follow commit order, or a reader could pass one still uncommitted: writers
    (consumers of every replica) take turns from here to their commit, which is next. The turn
    is taken in the same statement, before any position is drawn.
    """
    await uow.repo.keep_in_turn(rows, lock=STREAM_LOCK)
