"""Focal points: the people assigned to act for a delegation."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from plenary_delegation.domain.commands import FocalPointCreate
from plenary_delegation.service_layer.delegations import changeable
from plenary_shared.errors import Conflict, NotFound
from plenary_shared.events.delegation import FocalPointAssigned, FocalPointRevoked

if TYPE_CHECKING:
    from plenary_delegation.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork


async def assign_focal_point(
    uow: UnitOfWork[Repository], *, delegation_id: uuid.UUID, command: FocalPointCreate, actor: str
) -> uuid.UUID:
    """Make a person a focal point of a delegation; one e-mail once per delegation."""
    delegation = await changeable(uow, delegation_id)
    email = str(command.email).lower()
    duplicate = Conflict(
        f"{email} is already a focal point of {delegation.name}; "
        "revoke that assignment first to assign it again"
    )
    if await uow.repo.active_focal_point(delegation_id=delegation_id, email=email):
        raise duplicate
    focal_point_id = uuid.uuid4()
    added = await uow.repo.add_focal_point(
        id=focal_point_id,
        delegation_id=delegation_id,
        meeting_id=delegation.meeting_id,
        email=email,
        name=command.name,
        language=command.language,
        assigned_by=actor,
    )
    if not added:
        raise duplicate
    await uow.emit(
        FocalPointAssigned(
            focal_point_id=focal_point_id,
            delegation_id=delegation_id,
            meeting_id=delegation.meeting_id,
            email=email,
            name=command.name,
            language=command.language,
        ),
        subject=str(focal_point_id),
    )
    await uow.commit()
    return focal_point_id


async def revoke_focal_point(
    uow: UnitOfWork[Repository], *, delegation_id: uuid.UUID, focal_point_id: uuid.UUID, actor: str
) -> None:
    """End a person's assignment as focal point of a delegation."""
    revoked = await uow.repo.revoke_focal_point(
        focal_point_id=focal_point_id, delegation_id=delegation_id, actor=actor
    )
    if revoked is None:
        raise NotFound(
            f"focal point {focal_point_id} is not a current focal point of delegation "
            f"{delegation_id}; list them at /v1/delegations/{delegation_id}/focal-points"
        )
    await uow.emit(
        FocalPointRevoked(
            focal_point_id=focal_point_id,
            delegation_id=delegation_id,
            meeting_id=revoked.meeting_id,
            email=revoked.email,
        ),
        subject=str(focal_point_id),
    )
    await uow.commit()
