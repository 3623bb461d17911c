"""Waiting lists for session seats: who waits when a delegation's seats are taken, and promotion."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog

from plenary_scheduling.domain.model import SessionStatus, seats_left
from plenary_scheduling.service_layer.conflicts import Proposal, check
from plenary_scheduling.service_layer.facts import attendance_facts
from plenary_shared.db import UnitOfWork
from plenary_shared.events.scheduling import AttendanceAssigned, AttendanceWaitlisted

if TYPE_CHECKING:
    from plenary_scheduling.adapters.repository import Repository

log = structlog.get_logger(__name__)
# a promotion changes neither room nor time, so the room's changeover never applies
NO_MOVE = timedelta(0)


async def split_by_seats(
    repo: Repository, session, new: list[uuid.UUID], known: dict
) -> tuple[list, list]:
    """Who fits in their delegation's seats for the session's format (in the order asked), and
    who does not; the caller holds the session's lock."""
    used = await repo.delegation_use(session.id)
    ids = {known[a].delegation_id for a in new if a in known}
    delegations = await repo.delegations_by_id(ids)
    fits, waits = [], []
    for application_id in new:
        person = known.get(application_id)
        delegation = delegations.get(person.delegation_id) if person else None
        if delegation is None:
            fits.append(application_id)  # the conflict check says what is wrong with it
            continue
        taken = used.get(delegation.id, 0)
        left = seats_left(
            seats=delegation.session_seats, session_format=session.format, taken=taken
        )
        if left is None or left > 0:
            fits.append(application_id)
            used[delegation.id] = taken + 1
        else:
            waits.append(application_id)
    return fits, waits


async def enqueue(
    uow: UnitOfWork[Repository], session, waits: list[uuid.UUID], known: dict, actor: str
) -> None:
    """Put participants on the session's list of their delegation, once each, and say where."""
    for application_id in waits:
        delegation_id = known[application_id].delegation_id
        added = await uow.repo.add_waiting(
            session_id=session.id,
            application_id=application_id,
            meeting_id=session.meeting_id,
            delegation_id=delegation_id,
            requested_by=actor,
        )
        if not added:
            continue
        position = await uow.repo.waiting_position(session.id, application_id)
        await uow.emit(
            AttendanceWaitlisted(
                **attendance_facts(
                    session, application_id=application_id, delegation_id=delegation_id
                ),
                position=position,
            ),
            subject=str(session.id),
        )


async def promote(
    uow: UnitOfWork[Repository], session_id: uuid.UUID, delegation_ids: Iterable[uuid.UUID]
) -> int:
    """Give freed seats of a session to its waiting lists, first come first served; how many.

    The session row is locked first, as an assignment does, so two seats freed at once go to two
    different people. Someone who now clashes with another session stays waiting; the next may
    fit.
    """
    session = await uow.repo.get_session(session_id, lock=True)
    if session is None or session.status != SessionStatus.SCHEDULED:
        return 0
    heads = (await uow.repo.heads_of([session_id]))[session_id]
    promoted = 0
    for delegation_id in sorted(set(delegation_ids)):
        for waiting in await uow.repo.waiting_line(session_id, delegation_id):
            proposal = Proposal.joining(session, participants=[waiting.application_id], heads=heads)
            clashes = (await check(uow.repo, proposal, changeover=NO_MOVE, lock=True)).found
            if any(c.kind == "seats" for c in clashes):
                break
            if clashes:
                continue
            await uow.repo.seat_waiting(
                session_id=session_id,
                application_id=waiting.application_id,
                meeting_id=session.meeting_id,
                delegation_id=delegation_id,
                assigned_by="system:waiting-list",
            )
            await uow.emit(
                AttendanceAssigned(
                    **attendance_facts(
                        session, application_id=waiting.application_id, delegation_id=delegation_id
                    ),
                    promoted=True,
                ),
                subject=str(session_id),
            )
            promoted += 1
    if promoted:
        log.info(
            "promoted from a session's waiting list", session_id=str(session_id), count=promoted
        )
    return promoted


async def promote_after_removals(uow: UnitOfWork[Repository], removed: list) -> None:
    """After attendance rows were deleted: each session's freed seats to its waiting lists."""
    freed: dict[uuid.UUID, set[uuid.UUID]] = {}
    for row in removed:
        freed.setdefault(row.session_id, set()).add(row.delegation_id)
    for session_id in sorted(freed):
        await promote(uow, session_id, freed[session_id])


async def seated(
    uow: UnitOfWork[Repository], session_id: uuid.UUID, application_ids: list[uuid.UUID]
) -> None:
    """Those just given a seat by an assignment wait for one no longer."""
    await uow.repo.stop_waiting(session_id, application_ids)


async def leave_all(
    uow: UnitOfWork[Repository], *, application_id=None, delegation_id=None
) -> None:
    """Take a person (or a whole delegation) off every session's waiting list."""
    await uow.repo.leave_waiting_lists(application_id=application_id, delegation_id=delegation_id)
