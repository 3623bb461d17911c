"""Sessions: schedule, move, re-room, retitle and cancel them; their heads of delegation."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from plenary_scheduling.domain.commands import HeadsCreate, SessionCreate, SessionUpdate
from plenary_scheduling.domain.model import MeetingDates, SessionStatus, ensure_scheduled
from plenary_scheduling.service_layer.conflicts import Proposal, check
from plenary_scheduling.service_layer.facts import facts_of
from plenary_scheduling.service_layer.meetings import existing_meeting
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import Invalid, NotFound
from plenary_shared.events.scheduling import (
    SessionCancelled,
    SessionMoved,
    SessionReroomed,
    SessionScheduled,
    SessionUpdated,
)

if TYPE_CHECKING:
    from plenary_scheduling.adapters.repository import Repository


async def _room_of(repo: Repository, meeting_id: uuid.UUID, room_id: uuid.UUID):
    room = await repo.get_room(room_id)
    if room is None or room.meeting_id != meeting_id:
        raise Invalid(
            f"room {room_id} is not a room of this meeting; "
            f"list them at /v1/meetings/{meeting_id}/rooms"
        )
    return room


def _times(meeting, timezone: str, starts_at: datetime, ends_at: datetime):
    """Session times checked against the meeting's days in the venue's zone, in UTC."""
    return MeetingDates(meeting.starts_on, meeting.ends_on, timezone).utc_span(starts_at, ends_at)


async def schedule_session(
    uow: UnitOfWork[Repository],
    *,
    meeting_id: uuid.UUID,
    command: SessionCreate,
    changeover: timedelta,
) -> uuid.UUID:
    """Add a session to a meeting, stored in UTC, refused if it clashes."""
    meeting = await existing_meeting(uow.repo, meeting_id)
    room = await _room_of(uow.repo, meeting_id, command.room_id)
    starts_at, ends_at = _times(meeting, room.timezone, command.starts_at, command.ends_at)
    heads = sorted(set(command.head_delegation_ids))
    proposal = Proposal(
        meeting_id=meeting_id,
        session_id=None,
        format=command.format.value,
        room_id=room.id,
        starts_at=starts_at,
        ends_at=ends_at,
        heads=heads,
    )
    (await check(uow.repo, proposal, changeover=changeover, lock=True)).raise_if_any()
    session_id = await insert_session(
        uow,
        meeting_id=meeting_id,
        title=command.title,
        titles=command.titles,
        session_format=command.format.value,
        room_id=room.id,
        starts_at=starts_at,
        ends_at=ends_at,
        visibility=command.visibility.value,
        heads=heads,
    )
    await uow.commit()
    return session_id


async def insert_session(
    uow: UnitOfWork[Repository],
    *,
    meeting_id: uuid.UUID,
    title: str,
    titles: dict[str, str],
    session_format: str,
    room_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    visibility: str,
    heads: list[uuid.UUID],
    bilateral_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Write a checked session with its heads and announce it."""
    session_id = uuid.uuid4()
    await uow.repo.add_session(
        session_id,
        meeting_id=meeting_id,
        title=title,
        titles=titles,
        session_format=session_format,
        room_id=room_id,
        starts_at=starts_at,
        ends_at=ends_at,
        visibility=visibility,
        bilateral_id=bilateral_id,
        heads=heads,
    )
    await uow.emit(
        SessionScheduled(**await facts_of(uow.repo, session_id)), subject=str(session_id)
    )
    return session_id


async def live_session(repo: Repository, session_id: uuid.UUID):
    """The session, its row locked, if it is still on the timetable."""
    session = await repo.get_session(session_id, lock=True)
    if session is None:
        raise NotFound(f"session {session_id} does not exist")
    ensure_scheduled(
        status=session.status, title=session.title, instead="schedule a new session instead"
    )
    return session


async def update_session(
    uow: UnitOfWork[Repository],
    *,
    session_id: uuid.UUID,
    command: SessionUpdate,
    changeover: timedelta,
) -> None:
    """Move, re-room, retitle or change the visibility of a session; clashes are refused."""
    session = await live_session(uow.repo, session_id)
    meeting = await existing_meeting(uow.repo, session.meeting_id)
    sent = command.model_fields_set
    room = session
    if "room_id" in sent and command.room_id is not None:
        room = await _room_of(uow.repo, session.meeting_id, command.room_id)
    room_id = room.room_id if room is session else room.id
    zone = room.timezone
    starts = command.starts_at if command.starts_at is not None else session.starts_at
    ends = command.ends_at if command.ends_at is not None else session.ends_at
    starts_at, ends_at = _times(meeting, zone, starts, ends)
    moved = (starts_at, ends_at) != (session.starts_at, session.ends_at)
    reroomed = room_id != session.room_id
    heads = (await uow.repo.heads_of([session_id]))[session_id]
    if moved or reroomed:
        proposal = Proposal(
            meeting_id=session.meeting_id,
            session_id=session_id,
            format=session.format,
            room_id=room_id,
            starts_at=starts_at,
            ends_at=ends_at,
            heads=heads,
            room_changed=reroomed,
            time_changed=moved,
        )
        (await check(uow.repo, proposal, changeover=changeover, lock=True)).raise_if_any()
    values = {"room_id": room_id, "starts_at": starts_at, "ends_at": ends_at}
    if command.title is not None:
        values["title"] = command.title
    if command.titles is not None:
        values["titles"] = command.titles
    if command.visibility is not None:
        values["visibility"] = command.visibility.value
    retitled = any(
        values.get(k, getattr(session, k)) != getattr(session, k)
        for k in ("title", "titles", "visibility")
    )
    uow.remember_result(session_id)
    if not (moved or reroomed or retitled):
        await uow.commit()
        return
    await uow.repo.change_session(session_id, **values)
    facts = await facts_of(uow.repo, session_id)
    if moved:
        await uow.emit(
            SessionMoved(
                **facts, previous_starts_at=session.starts_at, previous_ends_at=session.ends_at
            ),
            subject=str(session_id),
        )
    if reroomed:
        await uow.emit(
            SessionReroomed(**facts, previous_room_id=session.room_id, previous_room=session.room),
            subject=str(session_id),
        )
    if retitled and not (moved or reroomed):
        await uow.emit(SessionUpdated(**facts), subject=str(session_id))
    await uow.commit()


async def cancel_session(
    uow: UnitOfWork[Repository], *, session_id: uuid.UUID, reason: str
) -> None:
    """Cancel a session; it stays listed (and in calendars) as cancelled."""
    await live_session(uow.repo, session_id)
    await uow.repo.change_session(
        session_id, status=SessionStatus.CANCELLED.value, cancel_reason=reason
    )
    facts = await facts_of(uow.repo, session_id)
    await uow.emit(SessionCancelled(**facts, reason=reason), subject=str(session_id))
    await uow.commit()


async def add_heads(
    uow: UnitOfWork[Repository],
    *,
    session_id: uuid.UUID,
    command: HeadsCreate,
    changeover: timedelta,
) -> None:
    """Add heads of delegation to a session, refused if one is elsewhere at that time."""
    session = await live_session(uow.repo, session_id)
    current = (await uow.repo.heads_of([session_id]))[session_id]
    new = [d for d in dict.fromkeys(command.delegation_ids) if d not in set(current)]
    uow.remember_result(session_id)
    if not new:
        await uow.commit()
        return
    proposal = Proposal.joining(session, heads=[*current, *new])
    (await check(uow.repo, proposal, changeover=changeover, lock=True)).raise_if_any()
    await uow.repo.add_heads(session_id, new)
    await uow.emit(SessionUpdated(**await facts_of(uow.repo, session_id)), subject=str(session_id))
    await uow.commit()


async def remove_head(
    uow: UnitOfWork[Repository], *, session_id: uuid.UUID, delegation_id: uuid.UUID
) -> None:
    """Take a head of delegation off a session."""
    await live_session(uow.repo, session_id)
    if not await uow.repo.remove_head(session_id, delegation_id):
        raise NotFound(f"the head of delegation {delegation_id} is not in session {session_id}")
    await uow.emit(SessionUpdated(**await facts_of(uow.repo, session_id)), subject=str(session_id))
    uow.remember_result(session_id)
    await uow.commit()
