"""Scheduling use cases: one function per command or consumed event."""

from __future__ import annotations

import uuid
from datetime import UTC

from plenary_scheduling.adapters import repository
from plenary_scheduling.adapters.tables import meetings, participants, sessions
from plenary_scheduling.domain.model import MeetingDates
from plenary_scheduling.entrypoints.api.schemas import MeetingCreate, SessionCreate
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import NotFound
from plenary_shared.events.registration import AccreditationGranted
from plenary_shared.events.scheduling import MeetingCreated, SessionScheduled


async def create_meeting(uow: UnitOfWork, *, command: MeetingCreate, actor: str) -> uuid.UUID:
    """Create a meeting and announce it."""
    MeetingDates(command.starts_on, command.ends_on, command.timezone).check()
    meeting_id = uuid.uuid4()
    await uow.conn.execute(
        meetings.insert().values(id=meeting_id, created_by=actor, **command.model_dump())
    )
    await uow.emit(
        MeetingCreated(meeting_id=meeting_id, **command.model_dump()), subject=str(meeting_id)
    )
    await uow.commit()
    return meeting_id


async def schedule_session(
    uow: UnitOfWork, *, meeting_id: uuid.UUID, command: SessionCreate
) -> uuid.UUID:
    """Add a session to a meeting, stored in UTC."""
    meeting = await repository.get_meeting(uow.conn, meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    dates = MeetingDates(meeting.starts_on, meeting.ends_on, meeting.timezone)
    dates.check_session(command.starts_at, command.ends_at)
    session_id = uuid.uuid4()
    starts_at = dates.localise(command.starts_at).astimezone(UTC)
    ends_at = dates.localise(command.ends_at).astimezone(UTC)
    values = {
        "title": command.title,
        "format": command.format.value,
        "room": command.room,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    await uow.conn.execute(sessions.insert().values(id=session_id, meeting_id=meeting_id, **values))
    await uow.emit(
        SessionScheduled(session_id=session_id, meeting_id=meeting_id, **values),
        subject=str(session_id),
    )
    await uow.commit()
    return session_id


async def on_accreditation_granted(uow: UnitOfWork, event: CloudEvent) -> None:
    """Record the accredited participant in scheduling's own projection."""
    granted = AccreditationGranted.model_validate(event.data)
    await uow.conn.execute(
        participants.insert().values(
            application_id=granted.application_id,
            meeting_id=granted.meeting_id,
            delegation_id=granted.delegation_id,
            given_name=granted.given_name,
            family_name=granted.family_name,
            category=granted.category,
            accredited_at=event.time,
        )
    )
