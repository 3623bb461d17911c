"""Routes of a delegation's waiting list."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter

from plenary_delegation.adapters import queries
from plenary_delegation.domain.commands import WaitingListSettings
from plenary_delegation.entrypoints.api.delegations import read_delegation
from plenary_delegation.entrypoints.api.policy import POLICY, ensure_reaches
from plenary_delegation.entrypoints.api.schemas import DelegationRead, WaitingEntry
from plenary_delegation.service_layer import delegations
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import NotFound
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep
from plenary_shared.vocabulary import Category

router = APIRouter(prefix="/v1", tags=["delegations"])


@router.get("/delegations/{delegation_id}/waiting-list", response_model=Page[WaitingEntry])
async def list_waiting(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("waiting_list.read")],
    page: PageDep,
    category: Category | None = None,
) -> Page[WaitingEntry]:
    """Nominations waiting for a seat, first come first; each with its place in its category."""
    ensure_reaches(grant, delegation_id)
    async with rt.engine.connect() as conn:
        if await queries.get_delegation(conn, delegation_id) is None:
            raise NotFound(f"delegation {delegation_id} does not exist")
        rows, total = await queries.list_waiting(
            conn,
            delegation_id,
            category=category.value if category else None,
            limit=page.limit,
            offset=page.offset,
        )
    items = [WaitingEntry.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.put("/delegations/{delegation_id}/waiting-list", response_model=DelegationRead)
async def set_waiting_list_default(
    delegation_id: UUID,
    body: WaitingListSettings,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("waiting_list.configure")],
) -> DelegationRead:
    """Whether nominations over quota wait on the list by default (organisers, its focal point)."""
    ensure_reaches(grant, delegation_id)
    async with uow:
        await delegations.set_waiting_list_default(
            uow, delegation_id=delegation_id, by_default=body.by_default
        )
    return await read_delegation(rt, delegation_id)
