"""The live stream's pruning: events older than the retention forgotten, hourly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from plenary_notification.adapters.repository import Repository
from plenary_notification.config import Settings
from plenary_notification.entrypoints.state import State
from plenary_shared.runtime import ServiceRuntime


async def prune_forever(rt: ServiceRuntime[State, Settings]) -> None:
    """Forget stream events older than the retention (a stream resumes within it)."""
    settings: Settings = rt.settings
    while True:
        cutoff = datetime.now(UTC) - timedelta(hours=settings.stream_retention_hours)
        async with rt.engine.begin() as conn:
            await Repository(conn).forget_stream_before(cutoff)
        await asyncio.sleep(3600)
