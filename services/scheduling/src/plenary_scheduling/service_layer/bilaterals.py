"""Bilateral meeting requests: requested -> accepted (a session with both heads) | declined |
counter-proposed (the other side answers next)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from plenary_scheduling.domain.commands import (
    BilateralCounterProposal,
    BilateralCreate,
    SlotCreate,
)
from plenary_scheduling.domain.model import (
    BilateralStatus,
    MayActFor,
    Visibility,
    answers_next,
    check_parties,
    ensure_open,
    ensure_two_delegations,
    span,
    utc_slots,
)
from plenary_scheduling.service_layer.conflicts import Proposal, check
from plenary_scheduling.service_layer.sessions import insert_session
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import Conflict, Forbidden, Invalid, NotFound
from plenary_shared.events.scheduling import (
    BilateralAccepted,
    BilateralCounterProposed,
    BilateralDeclined,
    BilateralRequested,
)
from plenary_shared.vocabulary import SessionFormat

if TYPE_CHECKING:
    from plenary_scheduling.adapters.repository import Repository


def bilateral_facts(row) -> dict:
    """The common fields of every bilateral event."""
    return {
        "request_id": row.id,
        "meeting_id": row.meeting_id,
        "requester_delegation_id": row.requester_id,
        "counterpart_delegation_id": row.counterpart_id,
        "awaiting_delegation_id": row.awaiting_id,
        "slots": row.slots,
        "agenda": row.agenda,
    }


def _slots(slots: list[SlotCreate], timezone: str) -> list[dict]:
    """Slots in UTC, naive times read in the meeting's zone."""
    return utc_slots([(s.starts_at, s.ends_at) for s in slots], timezone)


async def request_bilateral(
    uow: UnitOfWork[Repository],
    *,
    meeting_id: uuid.UUID,
    command: BilateralCreate,
    actor: str,
    may_act_for: MayActFor,
) -> uuid.UUID:
    """Ask another delegation for a bilateral meeting (organisers, or the requester's focal point)."""
    if not may_act_for(command.requester_delegation_id):
        raise Forbidden("a focal point asks for bilateral meetings for its own delegation only")
    meeting = await uow.repo.get_meeting(meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    ensure_two_delegations(command.requester_delegation_id, command.counterpart_delegation_id)
    ids = [command.requester_delegation_id, command.counterpart_delegation_id]
    known = await uow.repo.delegations_by_id(ids)
    check_parties(ids, meeting_id=meeting_id, known=known)
    request_id = uuid.uuid4()
    await uow.repo.add_bilateral(
        request_id,
        meeting_id=meeting_id,
        requester_id=command.requester_delegation_id,
        counterpart_id=command.counterpart_delegation_id,
        awaiting_id=command.counterpart_delegation_id,
        status=BilateralStatus.REQUESTED.value,
        slots=_slots(command.slots, meeting.timezone),
        agenda=command.agenda,
        note=command.note,
        created_by=actor,
    )
    row = await uow.repo.get_bilateral(request_id)
    await uow.emit(BilateralRequested(**bilateral_facts(row)), subject=str(request_id))
    await uow.commit()
    return request_id


async def _answerable(uow: UnitOfWork[Repository], request_id: uuid.UUID, may_act_for: MayActFor):
    """The open request, if the caller may answer it now."""
    row = await uow.repo.get_bilateral(request_id, lock=True)
    if row is None or not (may_act_for(row.requester_id) or may_act_for(row.counterpart_id)):
        raise NotFound(f"bilateral request {request_id} does not exist")
    ensure_open(status=row.status, request_id=request_id)
    if not may_act_for(row.awaiting_id):
        raise Forbidden(
            f"bilateral request {request_id} awaits the other delegation's answer "
            f"({row.awaiting_id}); you can answer once they do"
        )
    return row


async def accept_bilateral(
    uow: UnitOfWork[Repository],
    *,
    request_id: uuid.UUID,
    slot: int | None,
    may_act_for: MayActFor,
    changeover: timedelta,
) -> uuid.UUID:
    """Accept: a session in the first free bilateral room at the first workable slot, both heads in."""
    row = await _answerable(uow, request_id, may_act_for)
    meeting = await uow.repo.get_meeting(row.meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {row.meeting_id} does not exist")
    if slot is not None and slot >= len(row.slots):
        raise Invalid(
            f"slot {slot} does not exist; this request has {len(row.slots)} slot(s), from 0"
        )
    candidates = [row.slots[slot]] if slot is not None else row.slots
    room_ids = await uow.repo.bilateral_rooms(row.meeting_id)
    if not room_ids:
        raise Conflict(
            "this meeting has no room set aside for bilateral meetings; "
            "organisers add one with bilateral: true"
        )
    heads = sorted([row.requester_id, row.counterpart_id])
    reasons = []
    for candidate in candidates:
        starts_at = datetime.fromisoformat(candidate["starts_at"])
        ends_at = datetime.fromisoformat(candidate["ends_at"])
        for room_id in room_ids:
            proposal = Proposal(
                meeting_id=row.meeting_id,
                session_id=None,
                format=SessionFormat.BILATERAL.value,
                room_id=room_id,
                starts_at=starts_at,
                ends_at=ends_at,
                heads=heads,
            )
            clashes = await check(uow.repo, proposal, changeover=changeover)
            if clashes.found:
                reasons.append(
                    f"{span(starts_at, ends_at, meeting.timezone)}: {clashes.found[0].message}"
                )
                if any(c.kind == "head" for c in clashes.found):
                    break  # no other room helps when a head is busy
                continue
            # lock the room and check again, so that a concurrent booking cannot slip in
            clashes = await check(uow.repo, proposal, changeover=changeover, lock=True)
            if clashes.found:
                reasons.append(
                    f"{span(starts_at, ends_at, meeting.timezone)}: {clashes.found[0].message}"
                )
                continue
            return await _schedule(uow, row, proposal, heads)
    raise Conflict(
        "no proposed slot works: " + "; ".join(reasons) + ". Counter-propose other slots instead",
        reasons=reasons,
    )


async def _schedule(
    uow: UnitOfWork[Repository], row, proposal: Proposal, heads: list[uuid.UUID]
) -> uuid.UUID:
    names = await uow.repo.delegations_by_id(heads)
    title = f"Bilateral meeting: {names[row.requester_id].name} - {names[row.counterpart_id].name}"
    session_id = await insert_session(
        uow,
        meeting_id=row.meeting_id,
        title=title,
        titles={},
        session_format=SessionFormat.BILATERAL.value,
        room_id=proposal.room_id,
        starts_at=proposal.starts_at,
        ends_at=proposal.ends_at,
        visibility=Visibility.RESTRICTED.value,
        heads=heads,
        bilateral_id=row.id,
    )
    await uow.repo.accept_bilateral(row.id, session_id=session_id)
    room = await uow.repo.get_room(proposal.room_id)
    if room is None:
        raise NotFound(f"room {proposal.room_id} does not exist")
    accepted = await uow.repo.get_bilateral(row.id)
    await uow.emit(
        BilateralAccepted(
            **bilateral_facts(accepted),
            session_id=session_id,
            room_id=proposal.room_id,
            starts_at=proposal.starts_at,
            ends_at=proposal.ends_at,
            timezone=room.timezone,
        ),
        subject=str(row.id),
    )
    await uow.commit()
    return row.id


async def decline_bilateral(
    uow: UnitOfWork[Repository], *, request_id: uuid.UUID, reason: str, may_act_for: MayActFor
) -> None:
    """Decline a request."""
    row = await _answerable(uow, request_id, may_act_for)
    await uow.repo.decline_bilateral(request_id, note=reason)
    await uow.emit(
        BilateralDeclined(**bilateral_facts(row), reason=reason), subject=str(request_id)
    )
    await uow.commit()


async def counter_propose(
    uow: UnitOfWork[Repository],
    *,
    request_id: uuid.UUID,
    command: BilateralCounterProposal,
    may_act_for: MayActFor,
) -> None:
    """Propose other slots; the other delegation answers next."""
    row = await _answerable(uow, request_id, may_act_for)
    meeting = await uow.repo.get_meeting(row.meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {row.meeting_id} does not exist")
    other = answers_next(
        requester_id=row.requester_id,
        counterpart_id=row.counterpart_id,
        awaiting_id=row.awaiting_id,
    )
    await uow.repo.counter_propose(
        request_id,
        slots=_slots(command.slots, meeting.timezone),
        note=command.note,
        awaiting_id=other,
    )
    row = await uow.repo.get_bilateral(request_id)
    await uow.emit(BilateralCounterProposed(**bilateral_facts(row)), subject=str(request_id))
    await uow.commit()
