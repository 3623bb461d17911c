"""Bilateral meeting requests: requested -> accepted (a session with both heads) | declined |
counter-proposed (the other side answers next)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from plenary_scheduling.adapters import repository
from plenary_scheduling.adapters.tables import bilateral_requests, rooms
from plenary_scheduling.domain.model import (
    BilateralStatus,
    Visibility,
    check_slots,
    ensure_open,
    localise,
    span,
)
from plenary_scheduling.entrypoints.api.schemas import (
    BilateralCounterProposal,
    BilateralCreate,
    SlotCreate,
)
from plenary_scheduling.service_layer.conflicts import Proposal, check
from plenary_scheduling.service_layer.handlers import MayActFor, insert_session
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import Conflict, Forbidden, Invalid, NotFound
from plenary_shared.events.scheduling import (
    BilateralAccepted,
    BilateralCounterProposed,
    BilateralDeclined,
    BilateralRequested,
)
from plenary_shared.vocabulary import SessionFormat


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
    pairs = [
        (
            localise(s.starts_at, timezone).astimezone(UTC),
            localise(s.ends_at, timezone).astimezone(UTC),
        )
        for s in slots
    ]
    check_slots(pairs)
    return [{"starts_at": a.isoformat(), "ends_at": b.isoformat()} for a, b in pairs]


async def request_bilateral(
    uow: UnitOfWork,
    *,
    meeting_id: uuid.UUID,
    command: BilateralCreate,
    actor: str,
    may_act_for: MayActFor,
) -> uuid.UUID:
    """Ask another delegation for a bilateral meeting (organisers, or the requester's focal point)."""
    if not may_act_for(command.requester_delegation_id):
        raise Forbidden("a focal point asks for bilateral meetings for its own delegation only")
    meeting = await repository.get_meeting(uow.conn, meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    if command.requester_delegation_id == command.counterpart_delegation_id:
        raise Invalid("a bilateral meeting needs two different delegations")
    ids = [command.requester_delegation_id, command.counterpart_delegation_id]
    known = await repository.delegations_by_id(uow.conn, ids)
    for delegation_id in ids:
        delegation = known.get(delegation_id)
        if delegation is None or delegation.meeting_id != meeting_id:
            raise Invalid(f"delegation {delegation_id} is not a delegation of this meeting")
        if delegation.status != "active":
            raise Conflict(f"{delegation.name} has withdrawn from the meeting")
    request_id = uuid.uuid4()
    await uow.conn.execute(
        bilateral_requests.insert().values(
            id=request_id,
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
    )
    row = await repository.get_bilateral(uow.conn, request_id)
    await uow.emit(BilateralRequested(**bilateral_facts(row)), subject=str(request_id))
    await uow.commit()
    return request_id


async def _answerable(uow: UnitOfWork, request_id: uuid.UUID, may_act_for: MayActFor):
    """The open request, if the caller may answer it now."""
    row = await repository.get_bilateral(uow.conn, request_id, lock=True)
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
    uow: UnitOfWork,
    *,
    request_id: uuid.UUID,
    slot: int | None,
    may_act_for: MayActFor,
    changeover: timedelta,
) -> uuid.UUID:
    """Accept: a session in the first free bilateral room at the first workable slot, both heads in."""
    row = await _answerable(uow, request_id, may_act_for)
    meeting = await repository.get_meeting(uow.conn, row.meeting_id)
    if slot is not None and slot >= len(row.slots):
        raise Invalid(
            f"slot {slot} does not exist; this request has {len(row.slots)} slot(s), from 0"
        )
    candidates = [row.slots[slot]] if slot is not None else row.slots
    room_ids = (
        (
            await uow.conn.execute(
                select(rooms.c.id)
                .where(rooms.c.meeting_id == row.meeting_id, rooms.c.bilateral.is_(True))
                .order_by(rooms.c.name, rooms.c.id)
            )
        )
        .scalars()
        .all()
    )
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
            clashes = await check(uow.conn, proposal, changeover=changeover)
            if clashes.found:
                reasons.append(
                    f"{span(starts_at, ends_at, meeting.timezone)}: {clashes.found[0].message}"
                )
                if any(c.kind == "head" for c in clashes.found):
                    break  # no other room helps when a head is busy
                continue
            # lock the room and check again, so that a concurrent booking cannot slip in
            clashes = await check(uow.conn, proposal, changeover=changeover, lock=True)
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


async def _schedule(uow: UnitOfWork, row, proposal: Proposal, heads: list[uuid.UUID]) -> uuid.UUID:
    names = await repository.delegations_by_id(uow.conn, heads)
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
    await uow.conn.execute(
        update(bilateral_requests)
        .where(bilateral_requests.c.id == row.id)
        .values(
            status=BilateralStatus.ACCEPTED.value,
            session_id=session_id,
            updated_at=datetime.now(UTC),
        )
    )
    room = await repository.get_room(uow.conn, proposal.room_id)
    accepted = await repository.get_bilateral(uow.conn, row.id)
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
    uow: UnitOfWork, *, request_id: uuid.UUID, reason: str, may_act_for: MayActFor
) -> None:
    """Decline a request."""
    row = await _answerable(uow, request_id, may_act_for)
    await uow.conn.execute(
        update(bilateral_requests)
        .where(bilateral_requests.c.id == request_id)
        .values(status=BilateralStatus.DECLINED.value, note=reason, updated_at=datetime.now(UTC))
    )
    await uow.emit(
        BilateralDeclined(**bilateral_facts(row), reason=reason), subject=str(request_id)
    )
    await uow.commit()


async def counter_propose(
    uow: UnitOfWork,
    *,
    request_id: uuid.UUID,
    command: BilateralCounterProposal,
    may_act_for: MayActFor,
) -> None:
    """Propose other slots; the other delegation answers next."""
    row = await _answerable(uow, request_id, may_act_for)
    meeting = await repository.get_meeting(uow.conn, row.meeting_id)
    other = row.requester_id if row.awaiting_id == row.counterpart_id else row.counterpart_id
    await uow.conn.execute(
        update(bilateral_requests)
        .where(bilateral_requests.c.id == request_id)
        .values(
            status=BilateralStatus.COUNTER_PROPOSED.value,
            slots=_slots(command.slots, meeting.timezone),
            note=command.note,
            awaiting_id=other,
            updated_at=datetime.now(UTC),
        )
    )
    row = await repository.get_bilateral(uow.conn, request_id)
    await uow.emit(BilateralCounterProposed(**bilateral_facts(row)), subject=str(request_id))
    await uow.commit()
