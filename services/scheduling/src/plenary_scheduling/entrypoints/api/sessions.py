"""HTTP routes of sessions: the timetable, heads of delegation, the conflict dry-run, and the
views of a meeting, a room, a delegation and a participant (attendance has its own module)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from plenary_scheduling.adapters import queries
from plenary_scheduling.adapters.repository import Repository
from plenary_scheduling.domain.commands import (
    ConflictCheckCreate,
    HeadsCreate,
    SessionCancel,
    SessionCreate,
    SessionUpdate,
)
from plenary_scheduling.domain.model import SessionStatus, Visibility, as_dict, local_day
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_scheduling.entrypoints.api.schemas import ConflictReportRead, SessionRead
from plenary_scheduling.entrypoints.api.visibility import (
    check_subject_filters,
    participant_visible,
    render,
    session_page,
    visibility_filters,
    visible_session,
)
from plenary_scheduling.service_layer import conflicts, sessions
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import NotFound
from plenary_shared.inputs import Day, Line
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep
from plenary_shared.vocabulary import SessionFormat

router = APIRouter(prefix="/v1", tags=["sessions"])

Sort = Literal["starts_at", "room", "title"]

Reader = Annotated[Grant, POLICY.allows("sessions.read")]
Changer = Annotated[Grant, POLICY.allows("sessions.update")]
Heads = Annotated[Grant, POLICY.allows("sessions.heads")]


@router.post(
    "/meetings/{meeting_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionRead,
)
async def schedule_session(
    meeting_id: UUID,
    body: SessionCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("sessions.create")],
    response: Response,
) -> SessionRead:
    """Add a session; refused (409) naming the clashing session (publishes `scheduling.session.scheduled`)."""
    if earlier := await uow.earlier_result():
        session_id = UUID(earlier)
    else:
        async with uow:
            session_id = await sessions.schedule_session(
                uow, meeting_id=meeting_id, command=body, changeover=rt.settings.changeover
            )
    response.headers["Location"] = f"/v1/sessions/{session_id}"
    return await get_session(session_id, rt, grant)


@router.get("/meetings/{meeting_id}/sessions", response_model=Page[SessionRead])
async def list_sessions(
    meeting_id: UUID,
    rt: RuntimeDep,
    grant: Reader,
    page: PageDep,
    day: Day | None = Query(None, description="a venue-local day, e.g. 2025-11-18"),
    room_id: UUID | None = None,
    venue_id: UUID | None = None,
    format: list[SessionFormat] | None = Query(None, description="one or more formats"),
    status_: SessionStatus | None = Query(None, alias="status"),
    visibility: Visibility | None = None,
    q: Line | None = Query(None, min_length=1, max_length=100, description="search in titles"),
    delegation_id: UUID | None = Query(None, description="sessions its people or head attend"),
    application_id: UUID | None = Query(None, description="sessions a participant attends"),
    sort: Sort = "starts_at",
    lang: str | None = Query(None, pattern=r"^[a-z]{2,3}$", description="title language"),
) -> Page[SessionRead]:
    """A meeting's sessions, filtered, in venue-local time (by day, room, delegation, participant)."""
    async with rt.engine.connect() as conn:
        meeting = await queries.get_meeting(conn, meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        await check_subject_filters(conn, grant, delegation_id, application_id)
        start = end = None
        if day is not None:
            start, end = local_day(day, meeting.timezone)
        where = queries.session_filters(
            meeting_id=meeting_id,
            start=start,
            end=end,
            room_id=room_id,
            venue_id=venue_id,
            formats=[f.value for f in format] if format else None,
            status=status_.value if status_ else None,
            visibility=visibility.value if visibility else None,
            q=q,
            delegation_id=delegation_id,
            application_id=application_id,
            **visibility_filters(grant),
        )
        return await session_page(conn, grant, page, where=where, sort=sort, lang=lang)


@router.get("/sessions/{session_id}", response_model=SessionRead)
async def get_session(
    session_id: UUID,
    rt: RuntimeDep,
    grant: Reader,
    lang: str | None = Query(None, pattern=r"^[a-z]{2,3}$"),
) -> SessionRead:
    """One session (restricted ones only to organisers and those involved)."""
    async with rt.engine.connect() as conn:
        row = await visible_session(conn, grant, session_id)
        return (await render(conn, [row], grant, lang=lang))[0]


@router.patch("/sessions/{session_id}", response_model=SessionRead)
async def update_session(
    session_id: UUID,
    body: SessionUpdate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Changer,
) -> SessionRead:
    """Move, re-room or retitle a session (publishes `moved`, `reroomed` or `updated`)."""
    if not await uow.earlier_result():
        async with uow:
            await sessions.update_session(
                uow, session_id=session_id, command=body, changeover=rt.settings.changeover
            )
    return await get_session(session_id, rt, grant)


@router.post("/sessions/{session_id}/cancellation", response_model=SessionRead)
async def cancel_session(
    session_id: UUID,
    body: SessionCancel,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Changer,
) -> SessionRead:
    """Cancel a session (publishes `scheduling.session.cancelled`)."""
    if not await uow.earlier_result():
        async with uow:
            await sessions.cancel_session(uow, session_id=session_id, reason=body.reason)
    return await get_session(session_id, rt, grant)


@router.post("/sessions/{session_id}/heads", response_model=SessionRead)
async def add_heads(
    session_id: UUID,
    body: HeadsCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Heads,
) -> SessionRead:
    """Add heads of delegation to a session, refused if one is elsewhere at that time."""
    if not await uow.earlier_result():
        async with uow:
            await sessions.add_heads(
                uow, session_id=session_id, command=body, changeover=rt.settings.changeover
            )
    return await get_session(session_id, rt, grant)


@router.delete(
    "/sessions/{session_id}/heads/{delegation_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def remove_head(
    session_id: UUID, delegation_id: UUID, uow: UnitOfWorkDep, _: Heads
) -> Response:
    """Take a head of delegation off a session."""
    if not await uow.earlier_result():
        async with uow:
            await sessions.remove_head(uow, session_id=session_id, delegation_id=delegation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/meetings/{meeting_id}/conflict-check", response_model=ConflictReportRead)
async def check_conflicts(
    meeting_id: UUID,
    body: ConflictCheckCreate,
    rt: RuntimeDep,
    _: Annotated[Grant, POLICY.allows("sessions.check")],
) -> ConflictReportRead:
    """Dry-run: every conflict a proposed session or change would meet; nothing is saved."""
    async with rt.engine.connect() as conn:
        clashes = await conflicts.dry_run(
            Repository(conn), meeting_id=meeting_id, command=body, changeover=rt.settings.changeover
        )
    return ConflictReportRead.model_validate(
        {"ok": not clashes.found, "conflicts": [as_dict(c) for c in clashes.found]}
    )


@router.get("/rooms/{room_id}/sessions", response_model=Page[SessionRead])
async def room_sessions(
    room_id: UUID,
    rt: RuntimeDep,
    grant: Reader,
    page: PageDep,
    day: Day | None = Query(None, description="a venue-local day"),
    status_: SessionStatus | None = Query(None, alias="status"),
) -> Page[SessionRead]:
    """A room's sessions in time order (the room view)."""
    async with rt.engine.connect() as conn:
        room = await queries.get_room(conn, room_id)
        if room is None:
            raise NotFound(f"room {room_id} does not exist")
        start, end = local_day(day, room.timezone) if day else (None, None)
        where = queries.session_filters(
            room_id=room_id,
            start=start,
            end=end,
            status=status_.value if status_ else None,
            **visibility_filters(grant),
        )
        return await session_page(conn, grant, page, where=where)


@router.get("/delegations/{delegation_id}/sessions", response_model=Page[SessionRead])
async def delegation_sessions(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("delegations.sessions")],
    page: PageDep,
    day: Day | None = Query(None, description="a venue-local day"),
) -> Page[SessionRead]:
    """Sessions a delegation's people or head attend (organisers, or its focal point)."""
    if not grant.reaches(delegation_id):
        raise NotFound(f"delegation {delegation_id} does not exist")
    async with rt.engine.connect() as conn:
        delegation = (await queries.delegations_by_id(conn, [delegation_id])).get(delegation_id)
        if delegation is None:
            raise NotFound(f"delegation {delegation_id} is not known to scheduling")
        meeting = await queries.get_meeting(conn, delegation.meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {delegation.meeting_id} does not exist")
        start, end = local_day(day, meeting.timezone) if day else (None, None)
        where = queries.session_filters(delegation_id=delegation_id, start=start, end=end)
        return await session_page(conn, grant, page, where=where)


@router.get("/participants/{application_id}/sessions", response_model=Page[SessionRead])
async def participant_sessions(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("schedules.read")],
    page: PageDep,
    day: Day | None = Query(None, description="a venue-local day"),
) -> Page[SessionRead]:
    """A participant's personal schedule (organisers, its focal point, or the participant)."""
    async with rt.engine.connect() as conn:
        person = await participant_visible(conn, grant, application_id)
        meeting = await queries.get_meeting(conn, person.meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {person.meeting_id} does not exist")
        start, end = local_day(day, meeting.timezone) if day else (None, None)
        where = queries.session_filters(application_id=application_id, start=start, end=end)
        return await session_page(conn, grant, page, where=where)
