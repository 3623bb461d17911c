"""The conflict check of a proposed timetable change: room, participants, heads, capacity, seats.

The write paths and the dry-run use the same check, so the dry-run reports exactly what a save
would refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_scheduling.adapters import repository
from plenary_scheduling.domain.model import (
    Clash,
    Clashes,
    check_capacity,
    head_clash,
    participant_clash,
    room_clash,
    seats_left,
)


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
    conn: AsyncConnection, proposal: Proposal, *, changeover: timedelta, lock: bool = False
) -> Clashes:
    """Every clash of the proposal; with `lock`, the rows it depends on are locked first."""
    clashes = Clashes()
    room = await repository.get_room(conn, proposal.room_id, lock=lock)
    if room is None or room.meeting_id != proposal.meeting_id:
        clashes.add(
            Clash(kind="room", message=f"room {proposal.room_id} is not a room of this meeting")
        )
        return clashes
    zone = room.timezone
    if proposal.room_changed or proposal.time_changed:
        for other in await repository.room_bookings(
            conn,
            room_id=room.id,
            starts_at=proposal.starts_at,
            ends_at=proposal.ends_at,
            changeover=changeover,
            exclude=proposal.session_id,
        ):
            clashes.add(
                room_clash(room=room.name, other=other, timezone=zone, changeover=changeover)
            )
    existing = await repository.attendees(conn, proposal.session_id) if proposal.session_id else []
    # lock everyone whose timetable changes, in one ordered statement (no deadlock between two
    # changes): the newly assigned, and the attendees of a session that moves
    moving = existing if proposal.time_changed else []
    known = await repository.participants_by_id(
        conn, [*proposal.new_participants, *moving], lock=lock
    )
    await _accreditation(proposal, known, clashes)
    new = [a for a in proposal.new_participants if a not in set(existing)]
    overlaps = await repository.participant_overlaps(
        conn,
        application_ids=new,
        session_id=proposal.session_id if proposal.time_changed else None,
        starts_at=proposal.starts_at,
        ends_at=proposal.ends_at,
    )
    if overlaps:
        names = await repository.participants_by_id(conn, {o.application_id for o in overlaps})
        for o in overlaps:
            person = names.get(o.application_id)
            who = f"{person.given_name} {person.family_name}" if person else str(o.application_id)
            clashes.add(
                participant_clash(who=who, application_id=o.application_id, other=o, timezone=zone)
            )
    await _heads(conn, proposal, clashes, zone=zone, lock=lock)
    heads = len(set(proposal.heads))
    check_capacity(
        capacity=room.capacity,
        room=room.name,
        attendees=len(existing) + len(new) + heads,
        clashes=clashes,
    )
    await _seats(conn, proposal, known, new, clashes)
    return clashes


async def _accreditation(proposal: Proposal, known: dict, clashes: Clashes) -> None:
    for application_id in proposal.new_participants:
        person = known.get(application_id)
        if person is None or person.status != "accredited":
            state = "is not accredited" if person is None else f"is {person.status}"
            clashes.add(
                Clash(
                    kind="accreditation",
                    message=(
                        f"participant {application_id} {state}; only accredited participants "
                        "can be assigned"
                    ),
                    application_id=application_id,
                )
            )
        elif person.meeting_id != proposal.meeting_id:
            clashes.add(
                Clash(
                    kind="accreditation",
                    message=f"participant {application_id} is accredited to another meeting",
                    application_id=application_id,
                )
            )


async def _heads(
    conn: AsyncConnection, proposal: Proposal, clashes: Clashes, *, zone: str, lock: bool
) -> None:
    ids = sorted(set(proposal.heads))
    known = await repository.delegations_by_id(conn, ids, lock=lock)
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
        current = (await repository.heads_of(conn, [proposal.session_id]))[proposal.session_id]
        checked = [d for d in ids if d not in set(current)]
    for o in await repository.head_overlaps(
        conn,
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
    conn: AsyncConnection, proposal: Proposal, known: dict, new: list[UUID], clashes: Clashes
) -> None:
    """Seats per delegation in a session of this format follow the delegation's quota."""
    adding: dict[UUID, int] = {}
    for application_id in new:
        person = known.get(application_id)
        if person is not None:
            adding[person.delegation_id] = adding.get(person.delegation_id, 0) + 1
    if not adding:
        return
    used = await repository.delegation_use(conn, proposal.session_id) if proposal.session_id else {}
    delegations = await repository.delegations_by_id(conn, adding)
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
