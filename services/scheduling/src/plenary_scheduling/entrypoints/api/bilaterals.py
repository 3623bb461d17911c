"""HTTP routes of bilateral meeting requests: ask, read, accept, decline, counter-propose."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from plenary_scheduling.adapters import queries
from plenary_scheduling.domain.commands import (
    BilateralAcceptance,
    BilateralCounterProposal,
    BilateralCreate,
    BilateralDecline,
)
from plenary_scheduling.domain.model import BilateralStatus
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_scheduling.entrypoints.api.schemas import BilateralRead
from plenary_scheduling.service_layer import bilaterals
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import NotFound
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["versions and bilaterals"])

Bilaterals = Annotated[Grant, POLICY.allows("bilaterals.read")]
Answer = Annotated[Grant, POLICY.allows("bilaterals.answer")]


@router.post(
    "/meetings/{meeting_id}/bilateral-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=BilateralRead,
)
async def request_bilateral(
    meeting_id: UUID,
    body: BilateralCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("bilaterals.request")],
    response: Response,
) -> BilateralRead:
    """Ask another delegation for a bilateral meeting with preferred slots (`bilateral.requested`)."""
    if earlier := await uow.earlier_result():
        request_id = UUID(earlier)
    else:
        async with uow:
            request_id = await bilaterals.request_bilateral(
                uow,
                meeting_id=meeting_id,
                command=body,
                actor=grant.principal.subject,
                may_act_for=grant.reaches,
            )
    response.headers["Location"] = f"/v1/bilateral-requests/{request_id}"
    return await get_bilateral(request_id, rt, grant)


@router.get("/meetings/{meeting_id}/bilateral-requests", response_model=Page[BilateralRead])
async def list_bilaterals(
    meeting_id: UUID,
    rt: RuntimeDep,
    grant: Bilaterals,
    page: PageDep,
    delegation_id: UUID | None = Query(None, description="requests this delegation is party to"),
    status_: BilateralStatus | None = Query(None, alias="status"),
) -> Page[BilateralRead]:
    """A meeting's bilateral requests, newest first (a focal point sees its own delegation's)."""
    async with rt.engine.connect() as conn:
        meeting = await queries.get_meeting(conn, meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        if not grant.everything:
            if delegation_id is not None and not grant.reaches(delegation_id):
                raise NotFound(f"delegation {delegation_id} does not exist")
            delegation_id = grant.only_delegation
        rows, total = await queries.list_bilaterals(
            conn,
            meeting_id,
            delegation_id=delegation_id,
            status=status_.value if status_ is not None else None,
            limit=page.limit,
            offset=page.offset,
        )
    items = [BilateralRead.from_row(r, timezone=meeting.timezone) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/bilateral-requests/{request_id}", response_model=BilateralRead)
async def get_bilateral(request_id: UUID, rt: RuntimeDep, grant: Bilaterals) -> BilateralRead:
    """One bilateral request (organisers, or either delegation's focal point)."""
    async with rt.engine.connect() as conn:
        row = await queries.get_bilateral(conn, request_id)
        if row is None or not (
            grant.reaches(row.requester_id) or grant.reaches(row.counterpart_id)
        ):
            raise NotFound(f"bilateral request {request_id} does not exist")
        meeting = await queries.get_meeting(conn, row.meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {row.meeting_id} does not exist")
    return BilateralRead.from_row(row, timezone=meeting.timezone)


@router.post("/bilateral-requests/{request_id}/acceptance", response_model=BilateralRead)
async def accept_bilateral(
    request_id: UUID,
    body: BilateralAcceptance,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Answer,
) -> BilateralRead:
    """Accept: a bilateral session with both heads in a free bilateral room (`bilateral.accepted`)."""
    if not await uow.earlier_result():
        async with uow:
            await bilaterals.accept_bilateral(
                uow,
                request_id=request_id,
                slot=body.slot,
                may_act_for=grant.reaches,
                changeover=rt.settings.changeover,
            )
    return await get_bilateral(request_id, rt, grant)


@router.post("/bilateral-requests/{request_id}/decline", response_model=BilateralRead)
async def decline_bilateral(
    request_id: UUID,
    body: BilateralDecline,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Answer,
) -> BilateralRead:
    """Decline a request (publishes `scheduling.bilateral.declined`)."""
    if not await uow.earlier_result():
        async with uow:
            await bilaterals.decline_bilateral(
                uow, request_id=request_id, reason=body.reason, may_act_for=grant.reaches
            )
    return await get_bilateral(request_id, rt, grant)


@router.post("/bilateral-requests/{request_id}/counter-proposal", response_model=BilateralRead)
async def counter_propose(
    request_id: UUID,
    body: BilateralCounterProposal,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Answer,
) -> BilateralRead:
    """Propose other slots; the other delegation answers next (publishes `counter_proposed`)."""
    if not await uow.earlier_result():
        async with uow:
            await bilaterals.counter_propose(
                uow, request_id=request_id, command=body, may_act_for=grant.reaches
            )
    return await get_bilateral(request_id, rt, grant)
