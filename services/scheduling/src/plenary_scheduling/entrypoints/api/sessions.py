"""HTTP routes of sessions: the timetable, attendance, heads, the conflict dry-run, and views."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_scheduling.adapters import repository
from plenary_scheduling.domain.model import SessionStatus, Visibility, as_dict, local_day
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_scheduling.entrypoints.api.schemas import (
    AttendanceCreate,
    AttendanceRead,
    ConflictCheckCreate,
    ConflictReportRead,
    HeadsCreate,
    SessionCancel,
    SessionCreate,
    SessionRead,
    SessionUpdate,
    SessionWaitingRead,
)
from plenary_scheduling.service_layer import handlers
from plenary_shared.api import Page, PageDep, PageParams
from plenary_shared.authz import Grant, Scope
from plenary_shared.errors import NotFound
from plenary_shared.inputs import Day, Line
from plenary_shared.owners import fetch_if_exists
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep
from plenary_shared.vocabulary import SessionFormat

router = APIRouter(prefix="/v1", tags=["sessions"])

Sort = Literal["starts_at", "room", "title"]

Reader = Annotated[Grant, POLICY.allows("sessions.read")]
Changer = Annotated[Grant, POLICY.allows("sessions.update")]
Heads = Annotated[Grant, POLICY.allows("sessions.heads")]
Attendance = Annotated[Grant, POLICY.allows("attendance.manage")]


async def _page(
    conn: AsyncConnection,
    grant: Grant,
    page: PageParams,
    *,
    where: list,
    sort: str = "starts_at",
    lang: str | None = None,
) -> Page[SessionRead]:
    """One page of sessions as the caller may see them."""
    rows, total = await repository.list_sessions(
        conn, where=where, sort=sort, limit=page.limit, offset=page.offset
    )
    items = await render(conn, rows, grant, lang=lang)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


async def render(
    conn: AsyncConnection, rows: list, grant: Grant, *, lang: str | None = None
) -> list[SessionRead]:
    """Sessions as read models; a focal point sees only its own head, a participant none."""
    ids = [r.id for r in rows]
    heads = await repository.heads_of(conn, ids)
    if not grant.everything:
        heads = {i: [d for d in h if grant.reaches(d)] for i, h in heads.items()}
    counts = await repository.attendee_counts(conn, ids)
    return [
        SessionRead.from_row(r, heads=heads[r.id], attendees=counts.get(r.id, 0), lang=lang)
        for r in rows
    ]


def visibility_filters(grant: Grant) -> dict:
    """What a grant shows: everything, or public sessions and those of its delegation or its own."""
    if grant.everything:
        return {}
    if grant.scope is Scope.OWN_DELEGATION:
        return {"visible_to_delegation": grant.only_delegation}
    if grant.scope is Scope.OWN_APPLICATION:
        return {"visible_to_application": UUID(grant.principal.subject)}
    return {"public_only": True}


async def may_see(conn: AsyncConnection, grant: Grant, session) -> bool:
    """Whether a grant reaches one session."""
    if grant.everything or session.visibility == Visibility.PUBLIC:
        return True
    where = repository.session_filters(**visibility_filters(grant))
    where.append(repository.sessions.c.id == session.id)
    return bool(await repository.all_sessions(conn, where=where))


def _own_application(grant: Grant, application_id: UUID) -> bool:
    """A participant's grant for its own application (the token's subject)."""
    return grant.scope is Scope.OWN_APPLICATION and grant.principal.subject == str(application_id)


async def _session(conn: AsyncConnection, grant: Grant, session_id: UUID):
    row = await repository.get_session(conn, session_id)
    if row is None or not await may_see(conn, grant, row):
        raise NotFound(f"session {session_id} does not exist")
    return row


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
            session_id = await handlers.schedule_session(
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
        meeting = await repository.get_meeting(conn, meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        await _check_subject_filters(conn, grant, delegation_id, application_id)
        start = end = None
        if day is not None:
            start, end = local_day(day, meeting.timezone)
        where = repository.session_filters(
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
        return await _page(conn, grant, page, where=where, sort=sort, lang=lang)


async def _check_subject_filters(conn, grant: Grant, delegation_id, application_id) -> None:
    """A focal point filters by its own delegation or people only; a participant by itself."""
    if grant.everything:
        return
    if delegation_id is not None and not grant.reaches(delegation_id):
        raise NotFound(f"delegation {delegation_id} does not exist")
    if application_id is not None:
        await _participant_visible(conn, grant, application_id)


async def _participant_visible(conn, grant: Grant, application_id: UUID):
    """The participant, if the grant reaches their schedule."""
    person = await repository.get_participant(conn, application_id)
    allowed = person is not None and (
        grant.reaches(person.delegation_id) or _own_application(grant, application_id)
    )
    if not allowed:
        raise NotFound(f"participant {application_id} does not exist")
    return person


@router.get("/sessions/{session_id}", response_model=SessionRead)
async def get_session(
    session_id: UUID,
    rt: RuntimeDep,
    grant: Reader,
    lang: str | None = Query(None, pattern=r"^[a-z]{2,3}$"),
) -> SessionRead:
    """One session (restricted ones only to organisers and those involved)."""
    async with rt.engine.connect() as conn:
        row = await _session(conn, grant, session_id)
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
            await handlers.update_session(
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
            await handlers.cancel_session(uow, session_id=session_id, reason=body.reason)
    return await get_session(session_id, rt, grant)


@router.post("/sessions/{session_id}/attendance", response_model=Page[AttendanceRead])
async def assign_attendance(
    session_id: UUID,
    body: AttendanceCreate,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Attendance,
) -> Page[AttendanceRead]:
    """Assign accredited participants, all or none, within seats and capacity (`attendance.assigned`)."""
    async with rt.engine.connect() as conn:
        await _session(conn, grant, session_id)

    async def ask_registration(application_id: UUID) -> dict | None:
        url = f"{rt.settings.registration_url}/v1/applications/{application_id}"
        return await fetch_if_exists(
            rt.http, url=url, token=grant.principal.token, owner="registration"
        )

    if not await uow.earlier_result():
        async with uow:
            await handlers.assign_attendance(
                uow,
                session_id=session_id,
                command=body,
                actor=grant.principal.subject,
                may_act_for=grant.reaches,
                changeover=rt.settings.changeover,
                ask_registration=ask_registration,
            )
    return await list_attendance(session_id, rt, grant, _default_page())


@router.get("/sessions/{session_id}/waiting-list", response_model=Page[SessionWaitingRead])
async def list_session_waiting(
    session_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("waiting-lists.read")],
    page: PageDep,
    delegation_id: UUID | None = None,
) -> Page[SessionWaitingRead]:
    """Who waits for a freed seat of their delegation, in order (a focal point: its own only)."""
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_waiting(
            conn,
            session_id=session_id,
            delegation_id=await _listed_delegation(conn, grant, session_id, delegation_id),
            limit=page.limit,
            offset=page.offset,
        )
    items = [SessionWaitingRead.from_row(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


async def _listed_delegation(
    conn: AsyncConnection, grant: Grant, session_id: UUID, asked: UUID | None = None
) -> UUID | None:
    """Whose people in a session a grant may list: staff any (None: all), a focal point its own
    delegation's."""
    await _session(conn, grant, session_id)
    return asked if grant.everything else grant.only_delegation


def _default_page() -> PageParams:
    return PageParams(limit=500, offset=0)


@router.get("/sessions/{session_id}/attendance", response_model=Page[AttendanceRead])
async def list_attendance(
    session_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("attendance.read")],
    page: PageDep,
) -> Page[AttendanceRead]:
    """A session's participants (a focal point sees its own delegation's only)."""
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_attendance(
            conn,
            session_id,
            delegation_id=await _listed_delegation(conn, grant, session_id),
            limit=page.limit,
            offset=page.offset,
        )
    items = [AttendanceRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.delete(
    "/sessions/{session_id}/attendance/{application_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def remove_attendance(
    session_id: UUID, application_id: UUID, uow: UnitOfWorkDep, grant: Attendance
) -> Response:
    """Take a participant off a session (publishes `scheduling.attendance.removed`)."""
    if not await uow.earlier_result():
        async with uow:
            await handlers.remove_attendance(
                uow,
                session_id=session_id,
                application_id=application_id,
                may_act_for=grant.reaches,
            )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


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
            await handlers.add_heads(
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
            await handlers.remove_head(uow, session_id=session_id, delegation_id=delegation_id)
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
        clashes = await handlers.dry_run(
            conn, meeting_id=meeting_id, command=body, changeover=rt.settings.changeover
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
        room = await repository.get_room(conn, room_id)
        if room is None:
            raise NotFound(f"room {room_id} does not exist")
        start, end = local_day(day, room.timezone) if day else (None, None)
        where = repository.session_filters(
            room_id=room_id,
            start=start,
            end=end,
            status=status_.value if status_ else None,
            **visibility_filters(grant),
        )
        return await _page(conn, grant, page, where=where)


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
        delegation = (await repository.delegations_by_id(conn, [delegation_id])).get(delegation_id)
        if delegation is None:
            raise NotFound(f"delegation {delegation_id} is not known to scheduling")
        meeting = await repository.get_meeting(conn, delegation.meeting_id)
        start, end = local_day(day, meeting.timezone) if day else (None, None)
        where = repository.session_filters(delegation_id=delegation_id, start=start, end=end)
        return await _page(conn, grant, page, where=where)


@router.get(
    "/delegations/{delegation_id}/session-waiting-list", response_model=Page[SessionWaitingRead]
)
async def delegation_session_waiting(
    delegation_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("waiting-lists.read")],
    page: PageDep,
) -> Page[SessionWaitingRead]:
    """Where a delegation's people wait for session seats, by session start, each with its place
    (organisers, or its focal point)."""
    if not grant.reaches(delegation_id):
        raise NotFound(f"delegation {delegation_id} does not exist")
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_waiting(
            conn, delegation_id=delegation_id, limit=page.limit, offset=page.offset
        )
    items = [SessionWaitingRead.from_row(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


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
        person = await _participant_visible(conn, grant, application_id)
        meeting = await repository.get_meeting(conn, person.meeting_id)
        start, end = local_day(day, meeting.timezone) if day else (None, None)
        where = repository.session_filters(application_id=application_id, start=start, end=end)
        return await _page(conn, grant, page, where=where)
