"""The accreditation desk and the host's security service: vetting, the decision, revocation."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from plenary_registration.domain.badges import VoidReason
from plenary_registration.domain.commands import DecisionCreate, VettingCreate
from plenary_registration.domain.model import (
    State,
    Vetting,
    ensure_refusal_reason,
    ensure_vetting_note,
    transition,
    verdict_target,
    vet,
)
from plenary_registration.service_layer.applications import for_update, move, participant, record
from plenary_registration.service_layer.badges import void_badges
from plenary_shared.events.registration import (
    AccreditationGranted,
    AccreditationRefused,
    AccreditationRevoked,
    VettingCleared,
    VettingFlagged,
)

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork


async def record_vetting(
    uow: UnitOfWork[Repository], *, application_id: uuid.UUID, command: VettingCreate, actor: str
) -> None:
    """The host's security service clears or flags a nominee."""
    ensure_vetting_note(command.outcome, command.note)
    row = await for_update(uow, application_id)
    outcome = vet(State(row.state), Vetting(row.vetting), command.outcome)
    await uow.repo.set_vetting(row.id, vetting=outcome.value, note=command.note)
    state = State(row.state)
    await record(uow, row.id, state, state, actor, f"security vetting {outcome.value}")
    if outcome is Vetting.CLEARED:
        await uow.emit(VettingCleared(**participant(row)), subject=str(row.id))
    else:
        await uow.emit(
            VettingFlagged(**participant(row), note=command.note or ""), subject=str(row.id)
        )
    await uow.commit()


async def decide(
    uow: UnitOfWork[Repository], *, application_id: uuid.UUID, command: DecisionCreate, actor: str
) -> None:
    """The accreditation desk grants or refuses a nominated application."""
    ensure_refusal_reason(command.decision, command.reason)
    row = await for_update(uow, application_id)
    target = transition(State(row.state), verdict_target(command.decision, Vetting(row.vetting)))
    await move(uow, row, target, actor, command.reason)
    who = participant(row)
    if target is State.ACCREDITED:
        await uow.emit(AccreditationGranted(**who), subject=str(application_id))
    else:
        await uow.emit(
            AccreditationRefused(**who, reason=command.reason or ""),
            subject=str(application_id),
        )
    await uow.commit()


async def revoke(
    uow: UnitOfWork[Repository], *, application_id: uuid.UUID, reason: str, actor: str
) -> None:
    """The organiser revokes an accreditation; its badge is void and stops admitting."""
    row = await for_update(uow, application_id)
    await move(uow, row, transition(State(row.state), State.REVOKED), actor, reason)
    await uow.emit(AccreditationRevoked(**participant(row), reason=reason), subject=str(row.id))
    await void_badges(uow, application_id=row.id, reason=VoidReason.REVOKED)
    await uow.commit()
