"""Routes of logistics: arrivals of a meeting, a delegation's movements, hotel and liaison officer."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from plenary_delegation.adapters import queries
from plenary_delegation.domain.commands import AccommodationPut, LiaisonPut, MovementCreate
from plenary_delegation.domain.model import Direction, local_day
from plenary_delegation.entrypoints.api.policy import POLICY, ensure_reaches
from plenary_delegation.entrypoints.api.schemas import (
    AccommodationRead,
    ArrivalRead,
    LiaisonRead,
    MovementRead,
)
from plenary_delegation.service_layer import logistics
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import NotFound
from plenary_shared.inputs import Day
from plenary_shared.owners import fetch_if_exists
from plenary_shared.runtime import RuntimeDep, ServiceRuntime, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["delegations"])


@router.get("/meetings/{meeting_id}/arrivals", response_model=Page[ArrivalRead])
async def list_arrivals(
    meeting_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("arrivals.list")],
    page: PageDep,
    day: Day = Query(description="the venue-local day, e.g. 2025-11-16"),
) -> Page[ArrivalRead]:
    """Arrivals of every active delegation on one venue-local day, in time order."""
    async with rt.engine.connect() as conn:
        meeting = await queries.get_meeting(conn, meeting_id)
        if meeting is not None:
            start, end = local_day(day, meeting.timezone)
            rows, total = await queries.list_arrivals(
                conn, meeting_id, start=start, end=end, limit=page.limit, offset=page.offset
            )
            items = [ArrivalRead.from_row(r) for r in rows]
            return Page(items=items, total=total, limit=page.limit, offset=page.offset)
    url = f"{rt.settings.scheduling_url}/v1/meetings/{meeting_id}"
    token = grant.principal.token
    if await fetch_if_exists(rt.http, url=url, token=token, owner="scheduling") is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    return Page(items=[], total=0, limit=page.limit, offset=page.offset)


@router.post(
    "/delegations/{delegation_id}/movements",
    status_code=status.HTTP_201_CREATED,
    response_model=MovementRead,
)
async def record_movement(
    delegation_id: UUID,
    body: MovementCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("movements.record")],
    response: Response,
) -> MovementRead:
    """Record an arrival or departure (organisers, or the delegation's focal point)."""
    ensure_reaches(grant, delegation_id)
    if earlier := await uow.earlier_result():
        movement_id = UUID(earlier)
    else:
        async with uow:
            movement_id = await logistics.record_movement(
                uow, delegation_id=delegation_id, command=body, actor=grant.principal.subject
            )
    response.headers["Location"] = f"/v1/delegations/{delegation_id}/movements/{movement_id}"
    async with rt.engine.connect() as conn:
        row = await queries.get_movement(conn, movement_id)
    return MovementRead.from_row(row)


@router.get("/delegations/{delegation_id}/movements", response_model=Page[MovementRead])
async def list_movements(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("movements.list")],
    page: PageDep,
    direction: Direction | None = None,
) -> Page[MovementRead]:
    """A delegation's arrivals and departures in time order, in venue-local time."""
    ensure_reaches(grant, delegation_id)
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_movements(
            conn,
            delegation_id,
            direction=direction.value if direction else None,
            limit=page.limit,
            offset=page.offset,
        )
    items = [MovementRead.from_row(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.put("/delegations/{delegation_id}/accommodation", response_model=AccommodationRead)
async def set_accommodation(
    delegation_id: UUID,
    body: AccommodationPut,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("accommodation.set")],
) -> AccommodationRead:
    """Set the delegation's hotel and room block (organisers, or its focal point)."""
    ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await logistics.set_accommodation(
                uow, delegation_id=delegation_id, command=body, actor=grant.principal.subject
            )
    return await _accommodation(rt, delegation_id)


@router.get("/delegations/{delegation_id}/accommodation", response_model=AccommodationRead)
async def get_accommodation(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("accommodation.read")],
) -> AccommodationRead:
    """The delegation's hotel and room block."""
    ensure_reaches(grant, delegation_id)
    return await _accommodation(rt, delegation_id)


async def _accommodation(rt: ServiceRuntime, delegation_id: UUID) -> AccommodationRead:
    """The recorded hotel and room block, or 404."""
    async with rt.engine.connect() as conn:
        row = await queries.get_accommodation(conn, delegation_id)
    if row is None:
        raise NotFound(
            f"no accommodation is recorded for delegation {delegation_id}; "
            "PUT one to /accommodation"
        )
    return AccommodationRead.model_validate(row, from_attributes=True)


@router.put("/delegations/{delegation_id}/liaison", response_model=LiaisonRead)
async def set_liaison(
    delegation_id: UUID,
    body: LiaisonPut,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("liaison.assign")],
) -> LiaisonRead:
    """Assign the organiser's liaison officer to the delegation."""
    ensure_reaches(grant, delegation_id)
    if not await uow.earlier_result():
        async with uow:
            await logistics.set_liaison(
                uow, delegation_id=delegation_id, command=body, actor=grant.principal.subject
            )
    return await _liaison(rt, delegation_id)


@router.get("/delegations/{delegation_id}/liaison", response_model=LiaisonRead)
async def get_liaison(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("liaison.read")],
) -> LiaisonRead:
    """The delegation's liaison officer (organisers, or its focal point)."""
    ensure_reaches(grant, delegation_id)
    return await _liaison(rt, delegation_id)


async def _liaison(rt: ServiceRuntime, delegation_id: UUID) -> LiaisonRead:
    """The assigned liaison officer, or 404."""
    async with rt.engine.connect() as conn:
        row = await queries.get_liaison(conn, delegation_id)
    if row is None:
        raise NotFound(f"no liaison officer is assigned to delegation {delegation_id} yet")
    return LiaisonRead.model_validate(row, from_attributes=True)
