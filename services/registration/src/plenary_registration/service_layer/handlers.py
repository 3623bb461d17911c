"""Registration use cases: one function per command or consumed event."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from plenary_registration.adapters import repository
from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.adapters.tables import application_history, applications
from plenary_registration.domain.model import State, Verdict, transition, verdict_target
from plenary_registration.entrypoints.api.schemas import ApplicationCreate, DecisionCreate
from plenary_shared.auth import Principal
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, Forbidden, Invalid, NotFound
from plenary_shared.events.delegation import (
    DelegationRegistered,
    NominationAccepted,
    NominationRejected,
)
from plenary_shared.events.registration import (
    AccreditationGranted,
    AccreditationRefused,
    ApplicationNominated,
    ApplicationRejected,
    ApplicationSubmitted,
)

DelegationLookup = Callable[[uuid.UUID], Awaitable[dict | None]]
SYSTEM = "system:delegation"


async def submit_application(
    uow: UnitOfWork,
    *,
    meeting_id: uuid.UUID,
    command: ApplicationCreate,
    principal: Principal,
    cipher: DocumentCipher,
    ask_delegation: DelegationLookup,
) -> uuid.UUID:
    """Record a nomination and ask the delegation to check it against its quota."""
    delegation_id = _nominating_delegation(command, principal)
    await _ensure_delegation_in_meeting(uow, delegation_id, meeting_id, ask_delegation)
    application_id = uuid.uuid4()
    person = command.model_dump(
        include={"given_name", "family_name", "email", "category", "nationality"}
    )
    try:
        async with uow.conn.begin_nested():
            await uow.conn.execute(
                applications.insert().values(
                    id=application_id,
                    meeting_id=meeting_id,
                    delegation_id=delegation_id,
                    passport_number_enc=cipher.encrypt(command.passport_number),
                    date_of_birth_enc=cipher.encrypt(command.date_of_birth.isoformat()),
                    state=State.SUBMITTED.value,
                    submitted_by=principal.subject,
                    **person,
                )
            )
    except IntegrityError as exc:
        raise Conflict(
            f"{command.email} already has an application for this meeting; "
            "edit or withdraw that one instead"
        ) from exc
    await _record(uow, application_id, None, State.SUBMITTED, principal.subject, None)
    await uow.emit(
        ApplicationSubmitted(
            application_id=application_id,
            meeting_id=meeting_id,
            delegation_id=delegation_id,
            **person,
        ),
        subject=str(application_id),
    )
    await uow.commit()
    return application_id


def _nominating_delegation(command: ApplicationCreate, principal: Principal) -> uuid.UUID:
    if principal.is_organiser:
        if command.delegation_id is None:
            raise Invalid("delegation_id is required when organiser staff nominate")
        return command.delegation_id
    if principal.delegation_id is None:
        raise Forbidden("only focal points and organiser staff may nominate participants")
    if command.delegation_id not in (None, principal.delegation_id):
        raise Forbidden("a focal point may nominate only for its own delegation")
    return principal.delegation_id


async def _ensure_delegation_in_meeting(
    uow: UnitOfWork, delegation_id: uuid.UUID, meeting_id: uuid.UUID, ask: DelegationLookup
) -> None:
    known = await repository.get_delegation(uow.conn, delegation_id)
    if known is None:
        fetched = await ask(delegation_id)
        if fetched is not None:
            await repository.remember_delegation(
                uow.conn,
                id=delegation_id,
                meeting_id=uuid.UUID(fetched["meeting_id"]),
                name=fetched["name"],
            )
            known = await repository.get_delegation(uow.conn, delegation_id)
    if known is None or known.meeting_id != meeting_id:
        raise Invalid(
            f"delegation {delegation_id} is not registered for meeting {meeting_id}; "
            "check both ids or register the delegation first"
        )


async def decide(
    uow: UnitOfWork, *, application_id: uuid.UUID, command: DecisionCreate, actor: str
) -> None:
    """The accreditation desk grants or refuses a nominated application."""
    if command.decision is Verdict.REFUSE and not command.reason:
        raise Invalid("a reason is required when refusing accreditation")
    row = await repository.get_application(uow.conn, application_id, for_update=True)
    if row is None:
        raise NotFound(f"application {application_id} does not exist")
    target = transition(State(row.state), verdict_target(command.decision))
    await _move(uow, row, target, actor, command.reason)
    participant = _participant(row)
    if target is State.ACCREDITED:
        await uow.emit(AccreditationGranted(**participant), subject=str(application_id))
    else:
        await uow.emit(
            AccreditationRefused(**participant, reason=command.reason or ""),
            subject=str(application_id),
        )
    await uow.commit()


async def on_delegation_registered(uow: UnitOfWork, event: CloudEvent) -> None:
    """Learn of a delegation."""
    registered = DelegationRegistered.model_validate(event.data)
    await repository.remember_delegation(
        uow.conn,
        id=registered.delegation_id,
        meeting_id=registered.meeting_id,
        name=registered.name,
    )


async def on_nomination_accepted(uow: UnitOfWork, event: CloudEvent) -> None:
    """The delegation accepted: the application is nominated."""
    accepted = NominationAccepted.model_validate(event.data)
    row = await _application_for_decision(uow, accepted.application_id)
    await _move(uow, row, transition(State(row.state), State.NOMINATED), SYSTEM, None)
    await uow.emit(ApplicationNominated(**_participant(row)), subject=str(row.id))


async def on_nomination_rejected(uow: UnitOfWork, event: CloudEvent) -> None:
    """The delegation rejected: the application is rejected with its reason."""
    rejected = NominationRejected.model_validate(event.data)
    row = await _application_for_decision(uow, rejected.application_id)
    await _move(uow, row, transition(State(row.state), State.REJECTED), SYSTEM, rejected.reason)
    await uow.emit(
        ApplicationRejected(**_participant(row), reason=rejected.reason), subject=str(row.id)
    )


async def _application_for_decision(uow: UnitOfWork, application_id: uuid.UUID):
    row = await repository.get_application(uow.conn, application_id, for_update=True)
    if row is None:
        raise LookupError(f"application {application_id} does not exist here")
    return row


async def _move(uow: UnitOfWork, row, target: State, actor: str, reason: str | None) -> None:
    await uow.conn.execute(
        applications.update()
        .where(applications.c.id == row.id)
        .values(state=target.value, reason=reason, updated_at=datetime.now(UTC))
    )
    await _record(uow, row.id, State(row.state), target, actor, reason)


async def _record(
    uow: UnitOfWork,
    application_id: uuid.UUID,
    old: State | None,
    new: State,
    actor: str,
    reason: str | None,
) -> None:
    await uow.conn.execute(
        application_history.insert().values(
            application_id=application_id,
            from_state=old.value if old else None,
            to_state=new.value,
            actor=actor,
            reason=reason,
        )
    )


def _participant(row) -> dict:
    return {
        "application_id": row.id,
        "meeting_id": row.meeting_id,
        "delegation_id": row.delegation_id,
        "category": row.category,
        "given_name": row.given_name,
        "family_name": row.family_name,
        "email": row.email,
    }
