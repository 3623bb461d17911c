"""HTTP routes of attendance: who attends a session, who waits for a seat in it."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response, status

from plenary_scheduling.adapters import queries
from plenary_scheduling.domain.commands import AttendanceCreate
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_scheduling.entrypoints.api.schemas import AttendanceRead, SessionWaitingRead
from plenary_scheduling.entrypoints.api.visibility import listed_delegation, visible_session
from plenary_scheduling.service_layer import attendance
from plenary_shared.api import Page, PageDep, PageParams
from plenary_shared.authz import Grant
from plenary_shared.errors import NotFound
from plenary_shared.owners import fetch_if_exists
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["sessions"])

Attendance = Annotated[Grant, POLICY.allows("attendance.manage")]


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
        await visible_session(conn, grant, session_id)

    async def ask_registration(application_id: UUID) -> dict | None:
        url = f"{rt.settings.registration_url}/v1/applications/{application_id}"
        return await fetch_if_exists(
            rt.http, url=url, token=grant.principal.token, owner="registration"
        )

    if not await uow.earlier_result():
        async with uow:
            await attendance.assign_attendance(
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
        rows, total = await queries.list_waiting(
            conn,
            session_id=session_id,
            delegation_id=await listed_delegation(conn, grant, session_id, delegation_id),
            limit=page.limit,
            offset=page.offset,
        )
    items = [SessionWaitingRead.from_row(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


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
        rows, total = await queries.list_attendance(
            conn,
            session_id,
            delegation_id=await listed_delegation(conn, grant, session_id),
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
            await attendance.remove_attendance(
                uow,
                session_id=session_id,
                application_id=application_id,
                may_act_for=grant.reaches,
            )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


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
        rows, total = await queries.list_waiting(
            conn, delegation_id=delegation_id, limit=page.limit, offset=page.offset
        )
    items = [SessionWaitingRead.from_row(r) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
