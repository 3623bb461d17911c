"""HTTP routes of the delegation service."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from plenary_delegation.adapters import repository
from plenary_delegation.entrypoints.api.schemas import DelegationCreate, DelegationRead
from plenary_delegation.service_layer import handlers
from plenary_shared.api import Page, PageDep
from plenary_shared.auth import CurrentPrincipal, OrganiserPrincipal, Role
from plenary_shared.errors import NotFound
from plenary_shared.owners import fetch_if_exists
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["delegations"])


@router.post(
    "/meetings/{meeting_id}/delegations",
    status_code=status.HTTP_201_CREATED,
    response_model=DelegationRead,
)
async def register_delegation(
    meeting_id: UUID,
    body: DelegationCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    principal: OrganiserPrincipal,
    response: Response,
) -> DelegationRead:
    """Register a delegation with its quota (publishes `delegation.delegation.registered`)."""

    async def ask_scheduling(mid: UUID) -> dict | None:
        url = f"{rt.settings.scheduling_url}/v1/meetings/{mid}"
        return await fetch_if_exists(rt.http, url=url, token=principal.token, owner="scheduling")

    if earlier := await uow.earlier_result():
        response.headers["Location"] = f"/v1/delegations/{earlier}"
        return await get_delegation(UUID(earlier), rt, principal)
    async with uow:
        delegation_id = await handlers.register_delegation(
            uow,
            meeting_id=meeting_id,
            command=body,
            actor=principal.subject,
            ask_scheduling=ask_scheduling,
        )
    response.headers["Location"] = f"/v1/delegations/{delegation_id}"
    return await get_delegation(delegation_id, rt, principal)


@router.get("/meetings/{meeting_id}/delegations", response_model=Page[DelegationRead])
async def list_delegations(
    meeting_id: UUID, rt: RuntimeDep, principal: CurrentPrincipal, page: PageDep
) -> Page[DelegationRead]:
    """A meeting's delegations; a focal point sees its own only."""
    only = None if principal.is_organiser else principal.delegation_id
    if principal.role is Role.PARTICIPANT:
        only = UUID(int=0)
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_delegations(
            conn, meeting_id, only=only, limit=page.limit, offset=page.offset
        )
    items = [DelegationRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/delegations/{delegation_id}", response_model=DelegationRead)
async def get_delegation(
    delegation_id: UUID, rt: RuntimeDep, principal: CurrentPrincipal
) -> DelegationRead:
    """One delegation with its quota use (organisers, or its own focal point)."""
    async with rt.engine.connect() as conn:
        row = await repository.get_delegation(conn, delegation_id)
    if row is None or not principal.may_act_for(delegation_id):
        raise NotFound(f"delegation {delegation_id} does not exist")
    return DelegationRead.model_validate(row, from_attributes=True)
