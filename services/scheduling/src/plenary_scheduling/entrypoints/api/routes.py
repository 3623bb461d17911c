"""HTTP routes of the scheduling service."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from plenary_scheduling.adapters import repository
from plenary_scheduling.entrypoints.api.schemas import (
    MeetingCreate,
    MeetingRead,
    ParticipantRead,
    SessionCreate,
    SessionRead,
)
from plenary_scheduling.service_layer import handlers
from plenary_shared.api import Page, PageDep
from plenary_shared.auth import CurrentPrincipal, OrganiserPrincipal
from plenary_shared.errors import NotFound
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["meetings"])


@router.post("/meetings", status_code=status.HTTP_201_CREATED, response_model=MeetingRead)
async def create_meeting(
    body: MeetingCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    principal: OrganiserPrincipal,
    response: Response,
) -> MeetingRead:
    """Create a meeting (publishes `scheduling.meeting.created`)."""
    if earlier := await uow.earlier_result():
        meeting_id = UUID(earlier)
    else:
        async with uow:
            meeting_id = await handlers.create_meeting(uow, command=body, actor=principal.subject)
    response.headers["Location"] = f"/v1/meetings/{meeting_id}"
    return await get_meeting(meeting_id, rt, principal)


@router.get("/meetings", response_model=Page[MeetingRead])
async def list_meetings(
    rt: RuntimeDep,
    _: CurrentPrincipal,
    page: PageDep,
    q: str | None = Query(None, max_length=100, description="search in titles"),
) -> Page[MeetingRead]:
    """Meetings of the programme, by start date."""
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_meetings(
            conn, limit=page.limit, offset=page.offset, q=q
        )
    items = [MeetingRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/meetings/{meeting_id}", response_model=MeetingRead)
async def get_meeting(meeting_id: UUID, rt: RuntimeDep, _: CurrentPrincipal) -> MeetingRead:
    """One meeting."""
    async with rt.engine.connect() as conn:
        row = await repository.get_meeting(conn, meeting_id)
    if row is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    return MeetingRead.model_validate(row, from_attributes=True)


@router.post(
    "/meetings/{meeting_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionRead,
)
async def schedule_session(
    meeting_id: UUID, body: SessionCreate, rt: RuntimeDep, uow: UnitOfWorkDep, _: OrganiserPrincipal
) -> SessionRead:
    """Add a session; times without an offset are read in the venue's time zone."""
    if earlier := await uow.earlier_result():
        session_id = UUID(earlier)
    else:
        async with uow:
            session_id = await handlers.schedule_session(uow, meeting_id=meeting_id, command=body)
    async with rt.engine.connect() as conn:
        meeting = await repository.get_meeting(conn, meeting_id)
        row = await repository.get_session(conn, session_id)
    return SessionRead.from_row(row, meeting.timezone)


@router.get("/meetings/{meeting_id}/sessions", response_model=Page[SessionRead])
async def list_sessions(
    meeting_id: UUID, rt: RuntimeDep, _: CurrentPrincipal, page: PageDep
) -> Page[SessionRead]:
    """A meeting's sessions in time order, in venue-local time."""
    async with rt.engine.connect() as conn:
        meeting = await repository.get_meeting(conn, meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        rows, total = await repository.list_sessions(
            conn, meeting_id, limit=page.limit, offset=page.offset
        )
    items = [SessionRead.from_row(r, meeting.timezone) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/meetings/{meeting_id}/participants", response_model=Page[ParticipantRead])
async def list_participants(
    meeting_id: UUID, rt: RuntimeDep, _: OrganiserPrincipal, page: PageDep
) -> Page[ParticipantRead]:
    """Accredited participants of a meeting, as learnt from registration's events."""
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_participants(
            conn, meeting_id, limit=page.limit, offset=page.offset
        )
    items = [ParticipantRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
