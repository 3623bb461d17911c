"""Delegation use cases: one function per command or consumed event."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy.exc import IntegrityError

from plenary_delegation.adapters import repository
from plenary_delegation.adapters.tables import delegations, nominations
from plenary_delegation.domain.model import Decision, decide
from plenary_delegation.entrypoints.api.schemas import DelegationCreate
from plenary_shared.consumer import NotYetKnown
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, NotFound
from plenary_shared.events.delegation import (
    DelegationRegistered,
    NominationAccepted,
    NominationRejected,
)
from plenary_shared.events.registration import ApplicationSubmitted
from plenary_shared.events.scheduling import MeetingCreated

MeetingLookup = Callable[[uuid.UUID], Awaitable[dict | None]]


async def register_delegation(
    uow: UnitOfWork,
    *,
    meeting_id: uuid.UUID,
    command: DelegationCreate,
    actor: str,
    ask_scheduling: MeetingLookup,
) -> uuid.UUID:
    """Register a delegation with its quota; the meeting must exist."""
    await ensure_meeting_known(uow, meeting_id, ask_scheduling)
    delegation_id = command.id or uuid.uuid4()
    existing = await repository.get_delegation(uow.conn, delegation_id)
    if existing is not None:
        if existing.meeting_id == meeting_id and existing.name == command.name:
            return delegation_id  # a retry of the same registration
        raise Conflict(f"delegation id {delegation_id} is already used by another delegation")
    values = command.model_dump(exclude={"id"})
    try:
        async with uow.conn.begin_nested():
            await uow.conn.execute(
                delegations.insert().values(
                    id=delegation_id, meeting_id=meeting_id, created_by=actor, **values
                )
            )
    except IntegrityError as exc:
        raise Conflict(
            f"a delegation of {command.country_code} is already registered for this meeting"
        ) from exc
    await uow.emit(
        DelegationRegistered(
            delegation_id=delegation_id,
            meeting_id=meeting_id,
            name=command.name,
            country_code=command.country_code,
            kind=command.kind.value,
            quota=command.quota,
        ),
        subject=str(delegation_id),
    )
    await uow.commit()
    return delegation_id


async def ensure_meeting_known(
    uow: UnitOfWork, meeting_id: uuid.UUID, ask_scheduling: MeetingLookup
) -> None:
    """Use the projection, or ask scheduling before refusing an unknown meeting."""
    if await repository.get_meeting(uow.conn, meeting_id) is not None:
        return
    meeting = await ask_scheduling(meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} does not exist; create it in scheduling first")
    await repository.remember_meeting(
        uow.conn,
        id=meeting_id,
        title=meeting["title"],
        timezone=meeting["timezone"],
        starts_on=date.fromisoformat(meeting["starts_on"]),
        ends_on=date.fromisoformat(meeting["ends_on"]),
    )


async def on_meeting_created(uow: UnitOfWork, event: CloudEvent) -> None:
    """Learn of a meeting."""
    created = MeetingCreated.model_validate(event.data)
    await repository.remember_meeting(
        uow.conn,
        id=created.meeting_id,
        title=created.title,
        timezone=created.timezone,
        starts_on=created.starts_on,
        ends_on=created.ends_on,
    )


async def on_application_submitted(uow: UnitOfWork, event: CloudEvent) -> None:
    """Decide a nomination against the delegation's quota, atomically."""
    submitted = ApplicationSubmitted.model_validate(event.data)
    delegation = await repository.get_delegation(uow.conn, submitted.delegation_id)
    if delegation is None:
        raise NotYetKnown(f"delegation {submitted.delegation_id} is not known yet")
    if delegation.meeting_id != submitted.meeting_id:
        outcome_reason, quota, used = "wrong_meeting", delegation.quota, delegation.quota_used
        decision = Decision.REJECTED
    else:
        seat = await repository.claim_seat(uow.conn, delegation.id)
        outcome = decide(
            took_seat=seat is not None,
            quota=seat.quota if seat else delegation.quota,
            used=seat.quota_used if seat else delegation.quota,
        )
        decision, outcome_reason, quota, used = (
            outcome.decision,
            outcome.reason,
            outcome.quota,
            outcome.used,
        )
    await uow.conn.execute(
        nominations.insert().values(
            application_id=submitted.application_id,
            delegation_id=delegation.id,
            meeting_id=submitted.meeting_id,
            category=submitted.category,
            decision=decision.value,
            reason=outcome_reason,
        )
    )
    common = {
        "application_id": submitted.application_id,
        "delegation_id": delegation.id,
        "meeting_id": submitted.meeting_id,
        "category": submitted.category,
        "quota": quota,
        "used": used,
    }
    if decision is Decision.ACCEPTED:
        payload = NominationAccepted(**common)
    else:
        payload = NominationRejected(**common, reason=outcome_reason)
    await uow.emit(payload, subject=str(submitted.application_id))
