"""Meetings and their places: create a meeting, its venues and their rooms."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from plenary_scheduling.domain.commands import MeetingCreate, RoomCreate, VenueCreate
from plenary_scheduling.domain.model import MeetingDates
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import Conflict, NotFound
from plenary_shared.events.scheduling import MeetingCreated, RoomCreated, VenueCreated

if TYPE_CHECKING:
    from plenary_scheduling.adapters.repository import Repository


async def create_meeting(
    uow: UnitOfWork[Repository], *, command: MeetingCreate, actor: str
) -> uuid.UUID:
    """Create a meeting and announce it."""
    MeetingDates(command.starts_on, command.ends_on, command.timezone).check()
    meeting_id = uuid.uuid4()
    await uow.repo.add_meeting(meeting_id, created_by=actor, **command.model_dump())
    await uow.emit(
        MeetingCreated(meeting_id=meeting_id, **command.model_dump()), subject=str(meeting_id)
    )
    await uow.commit()
    return meeting_id


async def existing_meeting(repo: Repository, meeting_id: uuid.UUID):
    """The meeting, or NotFound."""
    meeting = await repo.get_meeting(meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    return meeting


async def create_venue(
    uow: UnitOfWork[Repository], *, meeting_id: uuid.UUID, command: VenueCreate
) -> uuid.UUID:
    """Record a venue of a meeting."""
    await existing_meeting(uow.repo, meeting_id)
    venue_id = uuid.uuid4()
    if not await uow.repo.add_venue(venue_id, meeting_id=meeting_id, **command.model_dump()):
        raise Conflict(f"this meeting already has a venue named '{command.name}'")
    await uow.emit(
        VenueCreated(venue_id=venue_id, meeting_id=meeting_id, **command.model_dump()),
        subject=str(venue_id),
    )
    await uow.commit()
    return venue_id


async def create_room(
    uow: UnitOfWork[Repository], *, venue_id: uuid.UUID, command: RoomCreate
) -> uuid.UUID:
    """Record a room of a venue."""
    venue = await uow.repo.get_venue(venue_id)
    if venue is None:
        raise NotFound(f"venue {venue_id} does not exist")
    room_id = uuid.uuid4()
    values = command.model_dump()
    values["languages"] = sorted(set(values["languages"]))
    added = await uow.repo.add_room(
        room_id, venue_id=venue_id, meeting_id=venue.meeting_id, **values
    )
    if not added:
        raise Conflict(f"{venue.name} already has a room named '{command.name}'")
    await uow.emit(
        RoomCreated(room_id=room_id, venue_id=venue_id, meeting_id=venue.meeting_id, **values),
        subject=str(room_id),
    )
    await uow.commit()
    return room_id
