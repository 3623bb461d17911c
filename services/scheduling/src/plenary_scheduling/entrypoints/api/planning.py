"""HTTP routes of schedule versions (publish, changelog) and bilateral meeting requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Response, status
from sqlalchemy import or_, select

from plenary_scheduling.adapters import repository
from plenary_scheduling.adapters.tables import bilateral_requests
from plenary_scheduling.domain.model import BilateralStatus
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_scheduling.entrypoints.api.schemas import (
    BilateralAcceptance,
    BilateralCounterProposal,
    BilateralCreate,
    BilateralDecline,
    BilateralRead,
    ChangelogRead,
    ChangeRead,
    VersionCreate,
    VersionRead,
)
from plenary_scheduling.service_layer import bilaterals, versions
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import NotFound
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["versions and bilaterals"])

Versions = Annotated[Grant, POLICY.allows("versions.read")]
Bilaterals = Annotated[Grant, POLICY.allows("bilaterals.read")]
Answer = Annotated[Grant, POLICY.allows("bilaterals.answer")]


def _public(entries: list[dict], grant: Grant) -> list[dict]:
    """Staff see every session of a version; others the public ones."""
    return entries if grant.everything else [e for e in entries if e["visibility"] == "public"]


@router.post(
    "/meetings/{meeting_id}/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=VersionRead,
)
async def publish_version(
    meeting_id: UUID,
    body: VersionCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("versions.publish")],
    response: Response,
) -> VersionRead:
    """Freeze the timetable as the next version (publishes `scheduling.schedule.published`)."""
    if earlier := await uow.earlier_result():
        number = int(earlier)
    else:
        async with uow:
            number = await versions.publish(
                uow, meeting_id=meeting_id, note=body.note, actor=grant.principal.subject
            )
    response.headers["Location"] = f"/v1/meetings/{meeting_id}/versions/{number}"
    return await get_version(meeting_id, number, rt, grant)


@router.get("/meetings/{meeting_id}/versions", response_model=Page[VersionRead])
async def list_versions(
    meeting_id: UUID, rt: RuntimeDep, _: Versions, page: PageDep
) -> Page[VersionRead]:
    """A meeting's published versions, newest first."""
    async with rt.engine.connect() as conn:
        if await repository.get_meeting(conn, meeting_id) is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        rows = await repository.versions(conn, meeting_id)
    chosen = rows[page.offset : page.offset + page.limit]
    items = [VersionRead.model_validate(r, from_attributes=True) for r in chosen]
    return Page(items=items, total=len(rows), limit=page.limit, offset=page.offset)


@router.get("/meetings/{meeting_id}/versions/{number}", response_model=VersionRead)
async def get_version(
    meeting_id: UUID,
    number: Annotated[int, Path(ge=1, le=1_000_000)],
    rt: RuntimeDep,
    grant: Versions,
) -> VersionRead:
    """One published version with its frozen sessions (times in UTC)."""
    async with rt.engine.connect() as conn:
        row = await repository.get_version(conn, meeting_id, number)
    if row is None:
        raise NotFound(f"version {number} of meeting {meeting_id} was not published")
    return VersionRead(
        meeting_id=row.meeting_id,
        number=row.number,
        note=row.note,
        published_by=row.published_by,
        published_at=row.published_at,
        sessions=_public(row.snapshot, grant),
    )


@router.get("/meetings/{meeting_id}/changelog", response_model=ChangelogRead)
async def changelog(
    meeting_id: UUID,
    rt: RuntimeDep,
    grant: Versions,
    from_: int = Query(alias="from", ge=1, le=1_000_000, description="the earlier version"),
    to: int | None = Query(
        None, ge=1, le=1_000_000, description="the later version; omit for the current timetable"
    ),
) -> ChangelogRead:
    """Sessions added, moved, re-roomed, retitled and cancelled between two versions (local times)."""
    async with rt.engine.connect() as conn:
        meeting = await repository.get_meeting(conn, meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        changes = await versions.compare(
            conn, meeting_id=meeting_id, from_version=from_, to_version=to
        )
    zone = ZoneInfo(meeting.timezone)

    def local(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value).astimezone(zone) if value else None

    items = []
    for c in changes:
        new, old = c["session"], c["previous"] or {}
        if not grant.everything and new["visibility"] != "public":
            continue
        items.append(
            ChangeRead(
                session_id=new["id"],
                title=new["title"],
                kinds=c["kinds"],
                room=new["room"],
                previous_room=old.get("room"),
                starts_at=local(new["starts_at"]),
                ends_at=local(new["ends_at"]),
                previous_starts_at=local(old.get("starts_at")),
                previous_ends_at=local(old.get("ends_at")),
            )
        )
    return ChangelogRead(
        meeting_id=meeting_id,
        from_version=from_,
        to_version=to,
        timezone=meeting.timezone,
        changes=items,
    )


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
    b = bilateral_requests
    async with rt.engine.connect() as conn:
        meeting = await repository.get_meeting(conn, meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        query = select(b).where(b.c.meeting_id == meeting_id)
        if not grant.everything:
            if delegation_id is not None and not grant.reaches(delegation_id):
                raise NotFound(f"delegation {delegation_id} does not exist")
            delegation_id = grant.only_delegation
        if delegation_id is not None:
            query = query.where(
                or_(b.c.requester_id == delegation_id, b.c.counterpart_id == delegation_id)
            )
        if status_ is not None:
            query = query.where(b.c.status == status_.value)
        rows, total = await repository.page(
            conn, query, order=(b.c.created_at.desc(), b.c.id), limit=page.limit, offset=page.offset
        )
    items = [BilateralRead.from_row(r, timezone=meeting.timezone) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/bilateral-requests/{request_id}", response_model=BilateralRead)
async def get_bilateral(request_id: UUID, rt: RuntimeDep, grant: Bilaterals) -> BilateralRead:
    """One bilateral request (organisers, or either delegation's focal point)."""
    async with rt.engine.connect() as conn:
        row = await repository.get_bilateral(conn, request_id)
        if row is None or not (
            grant.reaches(row.requester_id) or grant.reaches(row.counterpart_id)
        ):
            raise NotFound(f"bilateral request {request_id} does not exist")
        meeting = await repository.get_meeting(conn, row.meeting_id)
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
