"""Scheduling use cases: one function per command (consumed events are in reactions.py)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from plenary_scheduling.adapters import repository
from plenary_scheduling.adapters.tables import (
    attendance,
    meetings,
    participants,
    rooms,
    session_heads,
    sessions,
    venues,
)
from plenary_scheduling.domain.model import Clashes, MeetingDates, SessionStatus
from plenary_scheduling.entrypoints.api.schemas import (
    AttendanceCreate,
    ConflictCheckCreate,
    HeadsCreate,
    MeetingCreate,
    RoomCreate,
    SessionCreate,
    SessionUpdate,
    VenueCreate,
)
from plenary_scheduling.service_layer import waiting
from plenary_scheduling.service_layer.conflicts import Proposal, check
from plenary_scheduling.service_layer.facts import (
    announce_removals,
    attendance_facts,
    facts_of,
)
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import Conflict, Forbidden, Invalid, NotFound
from plenary_shared.events.scheduling import (
    AttendanceAssigned,
    MeetingCreated,
    RoomCreated,
    SessionCancelled,
    SessionMoved,
    SessionReroomed,
    SessionScheduled,
    SessionUpdated,
    VenueCreated,
)

MayActFor = Callable[[uuid.UUID], bool]
ApplicationLookup = Callable[[uuid.UUID], Awaitable[dict | None]]


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


async def _meeting(uow: UnitOfWork, meeting_id: uuid.UUID):
    meeting = await repository.get_meeting(uow.conn, meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    return meeting


async def create_venue(
    uow: UnitOfWork, *, meeting_id: uuid.UUID, command: VenueCreate
) -> uuid.UUID:
    """Record a venue of a meeting."""
    await _meeting(uow, meeting_id)
    venue_id = uuid.uuid4()
    try:
        async with uow.conn.begin_nested():
            await uow.conn.execute(
                venues.insert().values(id=venue_id, meeting_id=meeting_id, **command.model_dump())
            )
    except IntegrityError as exc:
        raise Conflict(f"this meeting already has a venue named '{command.name}'") from exc
    await uow.emit(
        VenueCreated(venue_id=venue_id, meeting_id=meeting_id, **command.model_dump()),
        subject=str(venue_id),
    )
    await uow.commit()
    return venue_id


async def create_room(uow: UnitOfWork, *, venue_id: uuid.UUID, command: RoomCreate) -> uuid.UUID:
    """Record a room of a venue."""
    venue = await repository.get_venue(uow.conn, venue_id)
    if venue is None:
        raise NotFound(f"venue {venue_id} does not exist")
    room_id = uuid.uuid4()
    values = command.model_dump()
    values["languages"] = sorted(set(values["languages"]))
    try:
        async with uow.conn.begin_nested():
            await uow.conn.execute(
                rooms.insert().values(
                    id=room_id, venue_id=venue_id, meeting_id=venue.meeting_id, **values
                )
            )
    except IntegrityError as exc:
        raise Conflict(f"{venue.name} already has a room named '{command.name}'") from exc
    await uow.emit(
        RoomCreated(room_id=room_id, venue_id=venue_id, meeting_id=venue.meeting_id, **values),
        subject=str(room_id),
    )
    await uow.commit()
    return room_id


async def _room_of(uow: UnitOfWork, meeting_id: uuid.UUID, room_id: uuid.UUID):
    room = await repository.get_room(uow.conn, room_id)
    if room is None or room.meeting_id != meeting_id:
        raise Invalid(
            f"room {room_id} is not a room of this meeting; "
            f"list them at /v1/meetings/{meeting_id}/rooms"
        )
    return room


def _times(meeting, room, starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """Session times checked against the meeting's days in the venue's zone, in UTC."""
    dates = MeetingDates(meeting.starts_on, meeting.ends_on, room.timezone)
    dates.check_session(starts_at, ends_at)
    return dates.localise(starts_at).astimezone(UTC), dates.localise(ends_at).astimezone(UTC)


async def schedule_session(
    uow: UnitOfWork, *, meeting_id: uuid.UUID, command: SessionCreate, changeover: timedelta
) -> uuid.UUID:
    """Add a session to a meeting, stored in UTC, refused if it clashes."""
    meeting = await _meeting(uow, meeting_id)
    room = await _room_of(uow, meeting_id, command.room_id)
    starts_at, ends_at = _times(meeting, room, command.starts_at, command.ends_at)
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
    (await check(uow.conn, proposal, changeover=changeover, lock=True)).raise_if_any()
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
    uow: UnitOfWork,
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
    await uow.conn.execute(
        sessions.insert().values(
            id=session_id,
            meeting_id=meeting_id,
            title=title,
            titles=titles,
            format=session_format,
            room_id=room_id,
            starts_at=starts_at,
            ends_at=ends_at,
            visibility=visibility,
            bilateral_id=bilateral_id,
        )
    )
    if heads:
        await uow.conn.execute(
            session_heads.insert(),
            [{"session_id": session_id, "delegation_id": d} for d in heads],
        )
    await uow.emit(
        SessionScheduled(**await facts_of(uow.conn, session_id)), subject=str(session_id)
    )
    return session_id


async def _live_session(uow: UnitOfWork, session_id: uuid.UUID):
    session = await repository.get_session(uow.conn, session_id, lock=True)
    if session is None:
        raise NotFound(f"session {session_id} does not exist")
    if session.status != SessionStatus.SCHEDULED:
        raise Conflict(
            f"session '{session.title}' is cancelled; schedule a new session instead",
            current_status=session.status,
        )
    return session


async def update_session(
    uow: UnitOfWork, *, session_id: uuid.UUID, command: SessionUpdate, changeover: timedelta
) -> None:
    """Move, re-room, retitle or change the visibility of a session; clashes are refused."""
    session = await _live_session(uow, session_id)
    meeting = await _meeting(uow, session.meeting_id)
    sent = command.model_fields_set
    room = session
    if "room_id" in sent and command.room_id is not None:
        room = await _room_of(uow, session.meeting_id, command.room_id)
    room_id = room.room_id if room is session else room.id
    zone = room.timezone
    starts = command.starts_at if command.starts_at is not None else session.starts_at
    ends = command.ends_at if command.ends_at is not None else session.ends_at
    starts_at, ends_at = _times(meeting, _Zone(zone), starts, ends)
    moved = (starts_at, ends_at) != (session.starts_at, session.ends_at)
    reroomed = room_id != session.room_id
    heads = (await repository.heads_of(uow.conn, [session_id]))[session_id]
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
        (await check(uow.conn, proposal, changeover=changeover, lock=True)).raise_if_any()
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
    await uow.conn.execute(
        update(sessions)
        .where(sessions.c.id == session_id)
        .values(**values, sequence=sessions.c.sequence + 1, updated_at=datetime.now(UTC))
    )
    facts = await facts_of(uow.conn, session_id)
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


class _Zone:
    """Just a time zone, where `_times` needs a room."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone


async def cancel_session(uow: UnitOfWork, *, session_id: uuid.UUID, reason: str) -> None:
    """Cancel a session; it stays listed (and in calendars) as cancelled."""
    await _live_session(uow, session_id)
    await uow.conn.execute(
        update(sessions)
        .where(sessions.c.id == session_id)
        .values(
            status=SessionStatus.CANCELLED.value,
            cancel_reason=reason,
            sequence=sessions.c.sequence + 1,
            updated_at=datetime.now(UTC),
        )
    )
    facts = await facts_of(uow.conn, session_id)
    await uow.emit(SessionCancelled(**facts, reason=reason), subject=str(session_id))
    await uow.commit()


async def assign_attendance(
    uow: UnitOfWork,
    *,
    session_id: uuid.UUID,
    command: AttendanceCreate,
    actor: str,
    may_act_for: MayActFor,
    changeover: timedelta,
    ask_registration: ApplicationLookup | None = None,
) -> list[uuid.UUID]:
    """Assign participants to a session, all or none; returns those newly assigned."""
    session = await _live_session(uow, session_id)
    ids = list(dict.fromkeys(command.application_ids))
    known = await repository.participants_by_id(uow.conn, ids)
    if ask_registration is not None:
        known |= await learn_participants(uow, [a for a in ids if a not in known], ask_registration)
    for application_id in ids:
        person = known.get(application_id)
        if person is not None and not may_act_for(person.delegation_id):
            raise Forbidden(
                f"participant {application_id} belongs to another delegation; "
                "a focal point assigns only its own delegation's participants"
            )
    current = set(await repository.attendees(uow.conn, session_id))
    new = [a for a in ids if a not in current]
    uow.remember_result(session_id)
    waits: list[uuid.UUID] = []
    if command.waitlist:
        new, waits = await waiting.split_by_seats(uow.conn, session, new, known)
    if not new:
        await waiting.enqueue(uow, session, waits, known, actor)
        await uow.commit()
        return []
    heads = (await repository.heads_of(uow.conn, [session_id]))[session_id]
    proposal = Proposal.joining(session, participants=new, heads=heads)
    (await check(uow.conn, proposal, changeover=changeover, lock=True)).raise_if_any()
    await uow.conn.execute(
        attendance.insert(),
        [
            {
                "session_id": session_id,
                "application_id": a,
                "meeting_id": session.meeting_id,
                "delegation_id": known[a].delegation_id,
                "assigned_by": actor,
            }
            for a in new
        ],
    )
    for a in new:
        await uow.emit(
            AttendanceAssigned(
                **attendance_facts(session, application_id=a, delegation_id=known[a].delegation_id)
            ),
            subject=str(session_id),
        )
    await waiting.seated(uow, session_id, new)
    await waiting.enqueue(uow, session, waits, known, actor)
    await uow.commit()
    return new


async def learn_participants(
    uow: UnitOfWork, ids: list[uuid.UUID], ask_registration: ApplicationLookup
) -> dict:
    """Ask registration about applications the projection does not know yet; record the accredited."""
    for application_id in ids[:50]:
        found = await ask_registration(application_id)
        if found is None or found.get("state") != "accredited":
            continue
        await uow.conn.execute(
            pg_insert(participants)
            .values(
                application_id=application_id,
                meeting_id=found["meeting_id"],
                delegation_id=found["delegation_id"],
                given_name=found["given_name"],
                family_name=found["family_name"],
                category=found["category"],
                accredited_at=datetime.fromisoformat(found["updated_at"]),
                calendar_token=secrets.token_urlsafe(32),
            )
            .on_conflict_do_nothing()
        )
    return await repository.participants_by_id(uow.conn, ids)


async def remove_attendance(
    uow: UnitOfWork, *, session_id: uuid.UUID, application_id: uuid.UUID, may_act_for: MayActFor
) -> None:
    """Take a participant off a session."""
    person = await repository.get_participant(uow.conn, application_id)
    if person is None or not may_act_for(person.delegation_id):
        raise NotFound(f"participant {application_id} does not exist")
    removed = (
        await uow.conn.execute(
            delete(attendance)
            .where(
                attendance.c.session_id == session_id, attendance.c.application_id == application_id
            )
            .returning(
                attendance.c.session_id, attendance.c.application_id, attendance.c.delegation_id
            )
        )
    ).all()
    if not removed:
        raise NotFound(f"participant {application_id} is not assigned to session {session_id}")
    await announce_removals(uow, removed, reason="unassigned")
    await waiting.promote_after_removals(uow, removed)
    uow.remember_result(session_id)
    await uow.commit()


async def add_heads(
    uow: UnitOfWork, *, session_id: uuid.UUID, command: HeadsCreate, changeover: timedelta
) -> None:
    """Add heads of delegation to a session, refused if one is elsewhere at that time."""
    session = await _live_session(uow, session_id)
    current = (await repository.heads_of(uow.conn, [session_id]))[session_id]
    new = [d for d in dict.fromkeys(command.delegation_ids) if d not in set(current)]
    uow.remember_result(session_id)
    if not new:
        await uow.commit()
        return
    proposal = Proposal.joining(session, heads=[*current, *new])
    (await check(uow.conn, proposal, changeover=changeover, lock=True)).raise_if_any()
    await uow.conn.execute(
        pg_insert(session_heads)
        .values([{"session_id": session_id, "delegation_id": d} for d in new])
        .on_conflict_do_nothing()
    )
    await uow.emit(SessionUpdated(**await facts_of(uow.conn, session_id)), subject=str(session_id))
    await uow.commit()


async def remove_head(uow: UnitOfWork, *, session_id: uuid.UUID, delegation_id: uuid.UUID) -> None:
    """Take a head of delegation off a session."""
    await _live_session(uow, session_id)
    gone = await uow.conn.execute(
        delete(session_heads).where(
            session_heads.c.session_id == session_id, session_heads.c.delegation_id == delegation_id
        )
    )
    if not gone.rowcount:
        raise NotFound(f"the head of delegation {delegation_id} is not in session {session_id}")
    await uow.emit(SessionUpdated(**await facts_of(uow.conn, session_id)), subject=str(session_id))
    uow.remember_result(session_id)
    await uow.commit()


async def dry_run(
    conn, *, meeting_id: uuid.UUID, command: ConflictCheckCreate, changeover: timedelta
) -> Clashes:
    """Every conflict of a proposed change, without saving anything."""
    meeting = await repository.get_meeting(conn, meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    session = None
    if command.session_id is not None:
        session = await repository.get_session(conn, command.session_id)
        if session is None or session.meeting_id != meeting_id:
            raise NotFound(f"session {command.session_id} is not a session of this meeting")
        if session.status != SessionStatus.SCHEDULED:
            raise Conflict(
                f"session '{session.title}' is cancelled; check a new session instead",
                current_status=session.status,
            )
    else:
        missing = [
            f for f in ("format", "room_id", "starts_at", "ends_at") if getattr(command, f) is None
        ]
        if missing:
            raise Invalid(
                f"a proposed new session needs {', '.join(missing)}; or name an existing "
                "session_id to check a change to it"
            )
    room_id = command.room_id or session.room_id
    room = await repository.get_room(conn, room_id)
    if room is None or room.meeting_id != meeting_id:
        raise Invalid(f"room {room_id} is not a room of this meeting")
    starts = command.starts_at or session.starts_at
    ends = command.ends_at or session.ends_at
    starts_at, ends_at = _times(meeting, room, starts, ends)
    current = (await repository.heads_of(conn, [session.id]))[session.id] if session else []
    heads = list(dict.fromkeys([*current, *command.head_delegation_ids]))
    proposal = Proposal(
        meeting_id=meeting_id,
        session_id=session.id if session else None,
        format=(command.format.value if command.format else session.format),
        room_id=room_id,
        starts_at=starts_at,
        ends_at=ends_at,
        new_participants=list(dict.fromkeys(command.application_ids)),
        heads=heads,
        room_changed=session is None or room_id != session.room_id,
        time_changed=session is None
        or (starts_at, ends_at) != (session.starts_at, session.ends_at),
    )
    return await check(conn, proposal, changeover=changeover)
