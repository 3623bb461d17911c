"""Purging personal document data after meetings, keeping everything needed for anonymised counts
(the sweep that runs it on schedule is `entrypoints.workers`)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import structlog

from plenary_registration.domain.retention import ensure_ended
from plenary_shared.errors import NotFound

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

log = structlog.get_logger(__name__)


async def purge_meeting(
    uow: UnitOfWork[Repository], *, meeting_id: uuid.UUID, today: date, early: bool
) -> int:
    """Erase passport numbers, expiry dates, dates of birth and photos of a meeting; idempotent."""
    meeting = await uow.repo.meeting(meeting_id, for_update=True)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} is not known to registration")
    if early:
        ensure_ended(meeting.ends_on, today=today)
    purged = await uow.repo.purge_meeting_documents(meeting_id, now=datetime.now(UTC))
    await uow.commit()
    log.info("document data purged", meeting_id=str(meeting_id), applications=purged)
    return purged
