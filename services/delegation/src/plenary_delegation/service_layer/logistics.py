"""Logistics of a delegation: arrivals and departures, hotel, liaison officer."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import TYPE_CHECKING

from plenary_delegation.domain.commands import AccommodationPut, LiaisonPut, MovementCreate
from plenary_delegation.domain.model import check_movement, check_stay, localise
from plenary_delegation.service_layer.delegations import changeable
from plenary_shared.errors import NotFound

if TYPE_CHECKING:
    from plenary_delegation.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork


async def record_movement(
    uow: UnitOfWork[Repository], *, delegation_id: uuid.UUID, command: MovementCreate, actor: str
) -> uuid.UUID:
    """Record an arrival or departure; a naive time is read in the venue's time zone."""
    delegation = await changeable(uow, delegation_id)
    meeting = await uow.repo.get_meeting(delegation.meeting_id)
    if meeting is None:
        raise NotFound(f"the meeting of delegation {delegation_id} is not known to this service")
    local = localise(command.scheduled_at, meeting.timezone)
    check_movement(
        mode=command.mode,
        number=command.number,
        local=local,
        starts_on=meeting.starts_on,
        ends_on=meeting.ends_on,
        timezone=meeting.timezone,
    )
    movement_id = uuid.uuid4()
    await uow.repo.add_movement(
        id=movement_id,
        delegation_id=delegation_id,
        meeting_id=delegation.meeting_id,
        created_by=actor,
        **command.model_dump(exclude={"scheduled_at"}),
        scheduled_at=local.astimezone(UTC),
    )
    uow.remember_result(movement_id)
    await uow.commit()
    return movement_id


async def set_accommodation(
    uow: UnitOfWork[Repository], *, delegation_id: uuid.UUID, command: AccommodationPut, actor: str
) -> None:
    """Set a delegation's hotel and room block."""
    await changeable(uow, delegation_id)
    check_stay(check_in=command.check_in, check_out=command.check_out)
    await uow.repo.put_accommodation(
        delegation_id=delegation_id, updated_by=actor, **command.model_dump()
    )
    uow.remember_result(delegation_id)
    await uow.commit()


async def set_liaison(
    uow: UnitOfWork[Repository], *, delegation_id: uuid.UUID, command: LiaisonPut, actor: str
) -> None:
    """Assign the organiser's liaison officer to a delegation."""
    await changeable(uow, delegation_id)
    await uow.repo.put_liaison(
        delegation_id=delegation_id, updated_by=actor, **command.model_dump()
    )
    uow.remember_result(delegation_id)
    await uow.commit()
