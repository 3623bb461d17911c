"""The conflict check of a proposed timetable change: room, participants, heads, capacity, seats.

The write paths and the dry-run use the same check, so the dry-run reports exactly what a save
would refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from plenary_scheduling.domain.commands import ConflictCheckCreate
from plenary_scheduling.domain.model import (
    Clash,
    Clashes,
    MeetingDates,
    accreditation_clash,
    check_capacity,
    ensure_scheduled,
    head_clash,
    participant_clash,
    room_clash,
    seats_left,
)
from plenary_shared.errors import Invalid, NotFound

if TYPE_CHECKING:
    from plenary_scheduling.adapters.repository import Repository


@dataclass
class Proposal:
    """A session as it would be after the change, and who would be added to it."""

    meeting_id: UUID
    session_id: UUID | None
    format: str
    room_id: UUID
    starts_at: datetime
    ends_at: datetime
    new_participants: list[UUID] = field(default_factory=list)
    heads: list[UUID] = field(default_factory=list)
    room_changed: bool = True
    time_changed: bool = True

    @classmethod
    def joining(
        cls, session, *, participants: Sequence[UUID] = (), heads: Sequence[UUID]
    ) -> Proposal:
        """A session where and when it is, with participants or heads added to it."""
        return cls(
            meeting_id=session.meeting_id,
            session_id=session.id,
            format=session.format,
            room_id=session.room_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            new_participants=list(participants),
            heads=list(heads),
            room_changed=False,
            time_changed=False,
        )


async def check(
    repo: Repository, proposal: Proposal, *, changeover: timedelta, lock: bool = False
) -> Clashes:
    """Every clash of the proposal; with `lock`, the rows it depends on are locked first."""
    clashes = Clashes()
    room = await repo.get_room(proposal.room_id, lock=lock)
    if room is None or room.meeting_id != proposal.meeting_id:
        clashes.add(
            Clash(kind="room", message=f"room {proposal.room_id} is not a room of this meeting")
        )
        return clashes
    zone = room.timezone
    if proposal.room_changed or proposal.time_changed:
        for other in await repo.room_bookings(
            room_id=room.id,
            starts_at=proposal.starts_at,
            ends_at=proposal.ends_at,
            changeover=changeover,
            exclude=proposal.session_id,
        ):
            clashes.add(
                room_clash(room=room.name, other=other, timezone=zone, changeover=changeover)
            )
    existing = await repo.attendees(proposal.session_id) if proposal.session_id else []
    # lock everyone whose timetable changes, in one ordered statement (no deadlock between two
    # changes): the newly assigned, and the attendees of a session that moves
    moving = existing if proposal.time_changed else []
    known = await repo.participants_by_id([*proposal.new_participants, *moving], lock=lock)
    await _accreditation(proposal, known, clashes)
    new = [a for a in proposal.new_participants if a not in set(existing)]
    overlaps = await repo.participant_overlaps(
        application_ids=new,
        session_id=proposal.session_id if proposal.time_changed else None,
        starts_at=proposal.starts_at,
        ends_at=proposal.ends_at,
    )
    if overlaps:
        names = await repo.participants_by_id({o.application_id for o in overlaps})
        for o in overlaps:
            person = names.get(o.application_id)
            who = f"{person.given_name} {person.family_name}" if person else str(o.application_id)
            clashes.add(
                participant_clash(who=who, application_id=o.application_id, other=o, timezone=zone)
            )
    await _heads(repo, proposal, clashes, zone=zone, lock=lock)
    heads = len(set(proposal.heads))
    check_capacity(
        capacity=room.capacity,
        room=room.name,
        attendees=len(existing) + len(new) + heads,
        clashes=clashes,
    )
    await _seats(repo, proposal, known, new, clashes)
    return clashes


async def _accreditation(proposal: Proposal, known: dict, clashes: Clashes) -> None:
    for application_id in proposal.new_participants:
        clash = accreditation_clash(
            known.get(application_id),
            application_id=application_id,
            meeting_id=proposal.meeting_id,
        )
        if clash is not None:
            clashes.add(clash)


async def _heads(
    repo: Repository, proposal: Proposal, clashes: Clashes, *, zone: str, lock: bool
) -> None:
    ids = sorted(set(proposal.heads))
    known = await repo.delegations_by_id(ids, lock=lock)
    for delegation_id in ids:
        delegation = known.get(delegation_id)
        if delegation is None or delegation.meeting_id != proposal.meeting_id:
            clashes.add(
                Clash(
                    kind="head",
                    message=f"delegation {delegation_id} is not a delegation of this meeting",
                    delegation_id=delegation_id,
                )
            )
        elif delegation.status != "active":
            clashes.add(
                Clash(
                    kind="head",
                    message=f"{delegation.name} has withdrawn from the meeting",
                    delegation_id=delegation_id,
                )
            )
    checked = ids if proposal.time_changed or not proposal.session_id else []
    if proposal.session_id and not proposal.time_changed:
        current = (await repo.heads_of([proposal.session_id]))[proposal.session_id]
        checked = [d for d in ids if d not in set(current)]
    for o in await repo.head_overlaps(
        delegation_ids=checked,
        session_id=proposal.session_id,
        starts_at=proposal.starts_at,
        ends_at=proposal.ends_at,
    ):
        name = known[o.delegation_id].name if o.delegation_id in known else str(o.delegation_id)
        clashes.add(
            head_clash(delegation=name, delegation_id=o.delegation_id, other=o, timezone=zone)
        )


async def _seats(
    repo: Repository, proposal: Proposal, known: dict, new: list[UUID], clashes: Clashes
) -> None:
    """Seats per delegation in a session of this format follow the delegation's quota."""
    adding: dict[UUID, int] = {}
    for application_id in new:
        person = known.get(application_id)
        if person is not None:
            adding[person.delegation_id] = adding.get(person.delegation_id, 0) + 1
    if not adding:
        return
    used = await repo.delegation_use(proposal.session_id) if proposal.session_id else {}
    delegations = await repo.delegations_by_id(adding)
    for delegation_id, count in sorted(adding.items()):
        delegation = delegations.get(delegation_id)
        if delegation is None:
            clashes.add(
                Clash(
                    kind="seats",
                    message=(
                        f"delegation {delegation_id} is not known to scheduling yet, so its "
                        "seats cannot be checked; try again shortly"
                    ),
                    delegation_id=delegation_id,
                )
            )
            continue
        left = seats_left(
            seats=delegation.session_seats,
            session_format=proposal.format,
            taken=used.get(delegation_id, 0),
        )
        if left is not None and count > left:
            quota = delegation.session_seats[proposal.format]
            clashes.add(
                Clash(
                    kind="seats",
                    message=(
                        f"{delegation.name} has {quota} seat(s) in {proposal.format} sessions, "
                        f"{used.get(delegation_id, 0)} taken in this one; {count} more do not fit"
                    ),
                    delegation_id=delegation_id,
                )
            )


def _stored(session: object | None, field: str) -> Any:
    """What an existing session has where the check leaves it unchanged (a new one names all)."""
    if session is None:
        raise Invalid(f"a proposed new session needs {field}")
    return getattr(session, field)


async def dry_run(
    repo: Repository, *, meeting_id: UUID, command: ConflictCheckCreate, changeover: timedelta
) -> Clashes:
    """Every conflict of a proposed change, without saving anything."""
    meeting = await repo.get_meeting(meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    session = None
    if command.session_id is not None:
        session = await repo.get_session(command.session_id)
        if session is None or session.meeting_id != meeting_id:
            raise NotFound(f"session {command.session_id} is not a session of this meeting")
        ensure_scheduled(
            status=session.status, title=session.title, instead="check a new session instead"
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
    room_id = command.room_id or _stored(session, "room_id")
    room = await repo.get_room(room_id)
    if room is None or room.meeting_id != meeting_id:
        raise Invalid(f"room {room_id} is not a room of this meeting")
    starts = command.starts_at or _stored(session, "starts_at")
    ends = command.ends_at or _stored(session, "ends_at")
    dates = MeetingDates(meeting.starts_on, meeting.ends_on, room.timezone)
    starts_at, ends_at = dates.utc_span(starts, ends)
    current = (await repo.heads_of([session.id]))[session.id] if session else []
    heads = list(dict.fromkeys([*current, *command.head_delegation_ids]))
    proposal = Proposal(
        meeting_id=meeting_id,
        session_id=session.id if session else None,
        format=(command.format.value if command.format else _stored(session, "format")),
        room_id=room_id,
        starts_at=starts_at,
        ends_at=ends_at,
        new_participants=list(dict.fromkeys(command.application_ids)),
        heads=heads,
        room_changed=session is None or room_id != session.room_id,
        time_changed=session is None
        or (starts_at, ends_at) != (session.starts_at, session.ends_at),
    )
    return await check(repo, proposal, changeover=changeover)
