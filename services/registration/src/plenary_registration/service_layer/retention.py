"""Purging personal document data after meetings, keeping everything needed for anonymised counts."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import structlog
from sqlalchemy import select, update

from plenary_registration.adapters.tables import applications, imports, meetings
from plenary_registration.domain.retention import ensure_ended, is_due
from plenary_registration.service_layer import throttle
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import NotFound
from plenary_shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


async def purge_meeting(uow: UnitOfWork, *, meeting_id: uuid.UUID, today: date, early: bool) -> int:
    """Erase passport numbers, expiry dates, dates of birth and photos of a meeting; idempotent."""
    meeting = (
        await uow.conn.execute(
            select(meetings).where(meetings.c.id == meeting_id).with_for_update()
        )
    ).one_or_none()
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} is not known to registration")
    if early:
        ensure_ended(meeting.ends_on, today=today)
    now = datetime.now(UTC)
    a = applications
    purged = await uow.conn.execute(
        update(a)
        .where(a.c.meeting_id == meeting_id, a.c.documents_purged_at.is_(None))
        .values(
            passport_number_enc=None,
            date_of_birth_enc=None,
            passport_expiry_enc=None,
            photo=None,
            photo_type=None,
            documents_purged_at=now,
        )
    )
    await uow.conn.execute(
        update(imports).where(imports.c.meeting_id == meeting_id).values(content_enc=None)
    )
    await uow.conn.execute(
        update(meetings).where(meetings.c.id == meeting_id).values(documents_purged_at=now)
    )
    await uow.commit()
    log.info("document data purged", meeting_id=str(meeting_id), applications=purged.rowcount)
    return purged.rowcount


async def sweep_forever(rt: ServiceRuntime) -> None:
    """Purge, at every sweep, the meetings whose retention period has run out (and old strikes)."""
    days = rt.settings.document_retention_days  # type: ignore[attr-defined]
    while True:
        today = datetime.now(UTC).date()
        async with rt.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(meetings.c.id, meetings.c.ends_on).where(
                        meetings.c.documents_purged_at.is_(None)
                    )
                )
            ).all()
        for row in rows:
            if is_due(row.ends_on, retention_days=days, today=today):
                async with rt.unit_of_work() as uow:
                    await purge_meeting(uow, meeting_id=row.id, today=today, early=False)
        async with rt.unit_of_work() as uow:
            window = timedelta(seconds=rt.settings.throttle_window_seconds)  # type: ignore[attr-defined]
            await throttle.forget_quiet(uow, window=window, now=datetime.now(UTC))
        await asyncio.sleep(rt.settings.retention_sweep_seconds)  # type: ignore[attr-defined]
