"""The meetings delegation knows: learnt from scheduling's events, or asked for."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING

from plenary_shared.errors import NotFound
from plenary_shared.events.scheduling import MeetingCreated

if TYPE_CHECKING:
    from plenary_delegation.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork
    from plenary_shared.envelope import CloudEvent

MeetingLookup = Callable[[uuid.UUID], Awaitable[dict | None]]


async def on_meeting_created(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Learn of a meeting."""
    created = MeetingCreated.model_validate(event.data)
    await uow.repo.remember_meeting(
        id=created.meeting_id,
        title=created.title,
        timezone=created.timezone,
        starts_on=created.starts_on,
        ends_on=created.ends_on,
    )


async def ensure_meeting_known(
    uow: UnitOfWork[Repository], meeting_id: uuid.UUID, ask_scheduling: MeetingLookup
) -> None:
    """Use the projection, or ask scheduling before refusing an unknown meeting."""
    if await uow.repo.get_meeting(meeting_id) is not None:
        return
    meeting = await ask_scheduling(meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist; create it in scheduling first")
    await uow.repo.remember_meeting(
        id=meeting_id,
        title=meeting["title"],
        timezone=meeting["timezone"],
        starts_on=date.fromisoformat(meeting["starts_on"]),
        ends_on=date.fromisoformat(meeting["ends_on"]),
    )
