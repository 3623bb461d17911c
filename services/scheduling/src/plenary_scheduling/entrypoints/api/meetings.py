"""HTTP routes of meetings, their venues and rooms, and the participants scheduling knows.

Sessions, attendance, versions, bilaterals and calendars have their own modules beside this one.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from plenary_scheduling.adapters import queries
from plenary_scheduling.domain.commands import MeetingCreate, RoomCreate, VenueCreate
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_scheduling.entrypoints.api.schemas import (
    MeetingRead,
    ParticipantRead,
    RoomRead,
    VenueRead,
)
from plenary_scheduling.service_layer import meetings
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import NotFound
from plenary_shared.inputs import Line
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["meetings"])

Reader = Annotated[Grant, POLICY.allows("meetings.read")]


@router.post("/meetings", status_code=status.HTTP_201_CREATED, response_model=MeetingRead)
async def create_meeting(
    body: MeetingCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("meetings.create")],
    response: Response,
) -> MeetingRead:
    """Create a meeting (publishes `scheduling.meeting.created`)."""
    if earlier := await uow.earlier_result():
        meeting_id = UUID(earlier)
    else:
        async with uow:
            meeting_id = await meetings.create_meeting(
                uow, command=body, actor=grant.principal.subject
            )
    response.headers["Location"] = f"/v1/meetings/{meeting_id}"
    return await get_meeting(meeting_id, rt, grant)


@router.get("/meetings", response_model=Page[MeetingRead])
async def list_meetings(
    rt: RuntimeDep,
    _: Reader,
    page: PageDep,
    q: Line | None = Query(None, max_length=100, description="search in titles"),
) -> Page[MeetingRead]:
    """Meetings of the programme, by start date."""
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_meetings(conn, limit=page.limit, offset=page.offset, q=q)
    items = [MeetingRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/meetings/{meeting_id}", response_model=MeetingRead)
async def get_meeting(meeting_id: UUID, rt: RuntimeDep, _: Reader) -> MeetingRead:
    """One meeting."""
    async with rt.engine.connect() as conn:
        row = await queries.get_meeting(conn, meeting_id)
    if row is None:
        raise NotFound(f"meeting {meeting_id} does not exist")
    return MeetingRead.model_validate(row, from_attributes=True)


@router.post(
    "/meetings/{meeting_id}/venues", status_code=status.HTTP_201_CREATED, response_model=VenueRead
)
async def create_venue(
    meeting_id: UUID,
    body: VenueCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("venues.create")],
    response: Response,
) -> VenueRead:
    """Add a venue to a meeting (publishes `scheduling.venue.created`)."""
    if earlier := await uow.earlier_result():
        venue_id = UUID(earlier)
    else:
        async with uow:
            venue_id = await meetings.create_venue(uow, meeting_id=meeting_id, command=body)
    response.headers["Location"] = f"/v1/venues/{venue_id}"
    return await get_venue(venue_id, rt, grant)


@router.get("/meetings/{meeting_id}/venues", response_model=Page[VenueRead])
async def list_venues(
    meeting_id: UUID, rt: RuntimeDep, _: Reader, page: PageDep
) -> Page[VenueRead]:
    """A meeting's venues by name."""
    async with rt.engine.connect() as conn:
        if await queries.get_meeting(conn, meeting_id) is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        rows, total = await queries.list_venues(
            conn, meeting_id, limit=page.limit, offset=page.offset
        )
    items = [VenueRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/venues/{venue_id}", response_model=VenueRead)
async def get_venue(venue_id: UUID, rt: RuntimeDep, _: Reader) -> VenueRead:
    """One venue."""
    async with rt.engine.connect() as conn:
        row = await queries.get_venue(conn, venue_id)
    if row is None:
        raise NotFound(f"venue {venue_id} does not exist")
    return VenueRead.model_validate(row, from_attributes=True)


@router.post(
    "/venues/{venue_id}/rooms", status_code=status.HTTP_201_CREATED, response_model=RoomRead
)
async def create_room(
    venue_id: UUID,
    body: RoomCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("rooms.create")],
    response: Response,
) -> RoomRead:
    """Add a room to a venue (publishes `scheduling.room.created`)."""
    if earlier := await uow.earlier_result():
        room_id = UUID(earlier)
    else:
        async with uow:
            room_id = await meetings.create_room(uow, venue_id=venue_id, command=body)
    response.headers["Location"] = f"/v1/rooms/{room_id}"
    return await get_room(room_id, rt, grant)


@router.get("/meetings/{meeting_id}/rooms", response_model=Page[RoomRead])
async def list_rooms(
    meeting_id: UUID,
    rt: RuntimeDep,
    _: Reader,
    page: PageDep,
    venue_id: UUID | None = None,
    bilateral: bool | None = Query(None, description="only rooms set aside for bilaterals"),
    min_capacity: int | None = Query(
        None, ge=1, le=100_000, description="rooms holding at least this many"
    ),
) -> Page[RoomRead]:
    """A meeting's rooms by venue and name."""
    async with rt.engine.connect() as conn:
        if await queries.get_meeting(conn, meeting_id) is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        rows, total = await queries.list_rooms(
            conn,
            meeting_id=meeting_id,
            venue_id=venue_id,
            bilateral=bilateral,
            min_capacity=min_capacity,
            limit=page.limit,
            offset=page.offset,
        )
    items = [RoomRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/rooms/{room_id}", response_model=RoomRead)
async def get_room(room_id: UUID, rt: RuntimeDep, _: Reader) -> RoomRead:
    """One room."""
    async with rt.engine.connect() as conn:
        row = await queries.get_room(conn, room_id)
    if row is None:
        raise NotFound(f"room {room_id} does not exist")
    return RoomRead.model_validate(row, from_attributes=True)


@router.get("/meetings/{meeting_id}/participants", response_model=Page[ParticipantRead])
async def list_participants(
    meeting_id: UUID,
    rt: RuntimeDep,
    _: Annotated[Grant, POLICY.allows("participants.list")],
    page: PageDep,
    delegation_id: UUID | None = None,
    q: Line | None = Query(None, min_length=1, max_length=100, description="search in names"),
) -> Page[ParticipantRead]:
    """Accredited participants of a meeting, as learnt from registration's events."""
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_participants(
            conn,
            meeting_id,
            delegation_id=delegation_id,
            q=q,
            limit=page.limit,
            offset=page.offset,
        )
    items = [ParticipantRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
