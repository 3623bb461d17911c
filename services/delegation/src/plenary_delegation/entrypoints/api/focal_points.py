"""Routes of a delegation's focal points."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response, status

from plenary_delegation.adapters import queries
from plenary_delegation.domain.commands import FocalPointCreate
from plenary_delegation.entrypoints.api.policy import POLICY, ensure_reaches
from plenary_delegation.entrypoints.api.schemas import FocalPointRead
from plenary_delegation.service_layer import focal_points
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["delegations"])


@router.post(
    "/delegations/{delegation_id}/focal-points",
    status_code=status.HTTP_201_CREATED,
    response_model=FocalPointRead,
)
async def assign_focal_point(
    delegation_id: UUID,
    body: FocalPointCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("focal_points.assign")],
    response: Response,
) -> FocalPointRead:
    """Make a person a focal point (publishes `delegation.focal_point.assigned`)."""
    ensure_reaches(grant, delegation_id)
    if earlier := await uow.earlier_result():
        focal_point_id = UUID(earlier)
    else:
        async with uow:
            focal_point_id = await focal_points.assign_focal_point(
                uow, delegation_id=delegation_id, command=body, actor=grant.principal.subject
            )
    response.headers["Location"] = f"/v1/delegations/{delegation_id}/focal-points/{focal_point_id}"
    async with rt.engine.connect() as conn:
        row = await queries.get_focal_point(conn, focal_point_id)
    return FocalPointRead.model_validate(row, from_attributes=True)


@router.get("/delegations/{delegation_id}/focal-points", response_model=Page[FocalPointRead])
async def list_focal_points(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("focal_points.list")],
    page: PageDep,
) -> Page[FocalPointRead]:
    """A delegation's current focal points (organisers, or its own focal point)."""
    ensure_reaches(grant, delegation_id)
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_focal_points(
            conn, delegation_id, limit=page.limit, offset=page.offset
        )
    items = [FocalPointRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.delete(
    "/delegations/{delegation_id}/focal-points/{focal_point_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def revoke_focal_point(
    delegation_id: UUID,
    focal_point_id: UUID,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("focal_points.revoke")],
) -> Response:
    """End a focal point's assignment (publishes `delegation.focal_point.revoked`)."""
    ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await focal_points.revoke_focal_point(
                uow,
                delegation_id=delegation_id,
                focal_point_id=focal_point_id,
                actor=grant.principal.subject,
            )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
