"""The live stream's events, kept in commit order for a while."""

from __future__ import annotations

import functools
import json
from datetime import datetime

from sqlalchemy import Text, bindparam, cast, delete, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_notification.adapters.tables import stream_events

_STREAM_COLUMNS = (
    "event_id",
    "event_type",
    "meeting_id",
    "delegation_id",
    "application_id",
    "session_id",
    "envelope",
)


def _keep_statement(lock: int):
    s = stream_events
    turn = select(func.pg_advisory_xact_lock(lock)).cte("turn").prefix_with("MATERIALIZED")
    arrays = [
        bindparam(name, type_=ARRAY(Text if name == "envelope" else s.c[name].type))
        for name in _STREAM_COLUMNS
    ]
    given = (
        func.unnest(*arrays)
        .table_valued(*_STREAM_COLUMNS, with_ordinality="n")
        .render_derived(name="given")
    )
    chosen = [
        cast(given.c[name], JSONB) if name == "envelope" else given.c[name]
        for name in _STREAM_COLUMNS
    ]
    return (
        pg_insert(s)
        .from_select(list(_STREAM_COLUMNS), select(*chosen).join(turn, true()).order_by(given.c.n))
        .on_conflict_do_nothing()
    )


@functools.cache
def _keep(lock: int):
    return _keep_statement(lock)


class StreamRows:
    """Stream events, on the unit of work's (or a worker's) connection."""

    _conn: AsyncConnection

    async def keep_in_turn(self, rows: list[dict], *, lock: int) -> None:
        """Stream rows inserted in their order once the transaction holds the advisory lock
        `lock`: the lock is taken in the same statement, before the join hands any row to the
        insert (and so before any position is drawn from the sequence). The statement is built
        once; the rows are bound as one array per column."""
        values = {
            name: [json.dumps(r[name]) if name == "envelope" else r[name] for r in rows]
            for name in _STREAM_COLUMNS
        }
        await self._conn.execute(_keep(lock), values)

    async def forget_stream_before(self, cutoff: datetime) -> None:
        """Stream events older than a moment, forgotten."""
        await self._conn.execute(delete(stream_events).where(stream_events.c.at < cutoff))
