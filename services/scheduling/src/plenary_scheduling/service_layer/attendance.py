"""Attendance: assign participants to a session (or its waiting list) and take them off."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from plenary_scheduling.domain.commands import AttendanceCreate
from plenary_scheduling.domain.model import MayActFor
from plenary_scheduling.service_layer import waiting
from plenary_scheduling.service_layer.conflicts import Proposal, check
from plenary_scheduling.service_layer.facts import announce_removals, attendance_facts
from plenary_scheduling.service_layer.sessions import live_session
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import Forbidden, NotFound
from plenary_shared.events.scheduling import AttendanceAssigned

if TYPE_CHECKING:
    from plenary_scheduling.adapters.repository import Repository

ApplicationLookup = Callable[[uuid.UUID], Awaitable[dict | None]]


async def assign_attendance(
    uow: UnitOfWork[Repository],
    *,
    session_id: uuid.UUID,
    command: AttendanceCreate,
    actor: str,
    may_act_for: MayActFor,
    changeover: timedelta,
    ask_registration: ApplicationLookup | None = None,
) -> list[uuid.UUID]:
    """Assign participants to a session, all or none; returns those newly assigned."""
    session = await live_session(uow.repo, session_id)
    ids = list(dict.fromkeys(command.application_ids))
    known = await uow.repo.participants_by_id(ids)
    if ask_registration is not None:
        known |= await learn_participants(uow, [a for a in ids if a not in known], ask_registration)
    for application_id in ids:
        person = known.get(application_id)
        if person is not None and not may_act_for(person.delegation_id):
            raise Forbidden(
                f"participant {application_id} belongs to another delegation; "
                "a focal point assigns only its own delegation's participants"
            )
    current = set(await uow.repo.attendees(session_id))
    new = [a for a in ids if a not in current]
    uow.remember_result(session_id)
    waits: list[uuid.UUID] = []
    if command.waitlist:
        new, waits = await waiting.split_by_seats(uow.repo, session, new, known)
    if not new:
        await waiting.enqueue(uow, session, waits, known, actor)
        await uow.commit()
        return []
    heads = (await uow.repo.heads_of([session_id]))[session_id]
    proposal = Proposal.joining(session, participants=new, heads=heads)
    (await check(uow.repo, proposal, changeover=changeover, lock=True)).raise_if_any()
    await uow.repo.assign(
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
    uow: UnitOfWork[Repository], ids: list[uuid.UUID], ask_registration: ApplicationLookup
) -> dict:
    """Ask registration about applications the projection does not know yet; record the accredited."""
    for application_id in ids[:50]:
        found = await ask_registration(application_id)
        if found is None or found.get("state") != "accredited":
            continue
        await uow.repo.learn_participant(
            application_id=application_id,
            meeting_id=found["meeting_id"],
            delegation_id=found["delegation_id"],
            given_name=found["given_name"],
            family_name=found["family_name"],
            category=found["category"],
            accredited_at=datetime.fromisoformat(found["updated_at"]),
            calendar_token=secrets.token_urlsafe(32),
        )
    return await uow.repo.participants_by_id(ids)


async def remove_attendance(
    uow: UnitOfWork[Repository],
    *,
    session_id: uuid.UUID,
    application_id: uuid.UUID,
    may_act_for: MayActFor,
) -> None:
    """Take a participant off a session."""
    person = await uow.repo.get_participant(application_id)
    if person is None or not may_act_for(person.delegation_id):
        raise NotFound(f"participant {application_id} does not exist")
    removed = await uow.repo.unassign(session_id, application_id)
    if not removed:
        raise NotFound(f"participant {application_id} is not assigned to session {session_id}")
    await announce_removals(uow, removed, reason="unassigned")
    await waiting.promote_after_removals(uow, removed)
    uow.remember_result(session_id)
    await uow.commit()
