"""iCalendar feeds: the public schedule of a meeting, and a participant's personal feed behind an
unguessable token (calendar apps send no bearer token, so these routes are public)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response

from plenary_scheduling.adapters import calendars, queries
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_scheduling.entrypoints.api.schemas import CalendarLinkRead
from plenary_scheduling.entrypoints.api.visibility import participant_visible
from plenary_shared.authz import Grant
from plenary_shared.conditional import CONDITIONAL_GET, conditional
from plenary_shared.errors import NotFound
from plenary_shared.runtime import RuntimeDep

public_router = APIRouter(prefix="/calendars", tags=["calendars"])
router = APIRouter(prefix="/v1", tags=["calendars"])

ICS = "text/calendar; charset=utf-8"


@public_router.get(
    "/meetings/{meeting_id}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
    openapi_extra=CONDITIONAL_GET,
)
async def meeting_calendar(meeting_id: UUID, request: Request, rt: RuntimeDep) -> Response:
    """The public sessions of a meeting, cancelled ones marked STATUS:CANCELLED."""
    async with rt.engine.connect() as conn:
        meeting = await queries.get_meeting(conn, meeting_id)
        if meeting is None:
            raise NotFound(f"meeting {meeting_id} does not exist")
        rows = await queries.all_sessions(
            conn, where=queries.session_filters(meeting_id=meeting_id, public_only=True)
        )
    body = calendars.feed(name=meeting.title, rows=rows)
    return conditional(request, Response(content=body, media_type=ICS))


@public_router.get(
    "/participants/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
    openapi_extra=CONDITIONAL_GET,
)
async def personal_calendar(token: str, request: Request, rt: RuntimeDep) -> Response:
    """A participant's sessions; the token in the link is the only key, so keep it private."""
    async with rt.engine.connect() as conn:
        person = await queries.participant_by_token(conn, token) if len(token) < 80 else None
        if person is None:
            raise NotFound("no calendar has this link; ask for your current link")
        rows = await queries.all_sessions(
            conn, where=queries.session_filters(application_id=person.application_id)
        )
    name = f"{person.given_name} {person.family_name}: schedule"
    body = calendars.feed(name=name, rows=rows)
    return conditional(request, Response(content=body, media_type=ICS))


@router.get("/participants/{application_id}/calendar-link", response_model=CalendarLinkRead)
async def calendar_link(
    application_id: UUID,
    request: Request,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("calendars.link")],
) -> CalendarLinkRead:
    """The link of a participant's personal feed (organisers, its focal point, or itself)."""
    async with rt.engine.connect() as conn:
        person = await participant_visible(conn, grant, application_id)
    base = rt.settings.public_url or str(request.base_url).rstrip("/")
    return CalendarLinkRead(
        application_id=application_id,
        url=f"{base}/calendars/participants/{person.calendar_token}.ics",
    )
