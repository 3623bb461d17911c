"""A participant's page (accreditation, badge, personal schedule) and badge downloads."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from plenary_portal.adapters.backend import ServiceError
from plenary_portal.entrypoints.web.pages import Anyone, Participant, problem_page, render

router = APIRouter(tags=["participant"])


async def _optional(call) -> dict | None:
    """An answer that may not exist yet (no badge, no schedule): None for a 404 or 409."""
    try:
        return await call
    except ServiceError as error:
        if error.status in (404, 409):
            return None
        raise


@router.get("/me")
async def my_page(seen: Participant) -> Response:
    """Accreditation state, the badge, and the personal schedule in the venue's local time."""
    application_id = seen.principal.subject
    call = seen.backend.call
    try:
        application = await call(
            "registration", "GET", f"/v1/applications/{application_id}", token=seen.token
        )
        meeting, sessions, calendar = await asyncio.gather(
            call(
                "scheduling", "GET", f"/v1/meetings/{application['meeting_id']}", token=seen.token
            ),
            _optional(
                call(
                    "scheduling",
                    "GET",
                    f"/v1/participants/{application_id}/sessions",
                    token=seen.token,
                    params={"limit": 100},
                )
            ),
            _optional(
                call(
                    "scheduling",
                    "GET",
                    f"/v1/participants/{application_id}/calendar-link",
                    token=seen.token,
                )
            ),
        )
    except ServiceError as error:
        return problem_page(seen, error)
    return render(
        seen,
        "me.html",
        application=application,
        meeting=meeting,
        sessions=(sessions or {}).get("items", []),
        calendar=calendar,
        live=True,
    )


@router.get("/applications/{application_id}/badge.pdf")
async def badge_pdf(application_id: uuid.UUID, seen: Anyone) -> Response:
    """The printable badge, for the participant, its focal point or organiser staff."""
    try:
        answer = await seen.backend.send(
            "registration", "GET", f"/v1/applications/{application_id}/badge.pdf", token=seen.token
        )
    except ServiceError as error:
        return problem_page(seen, error)
    return Response(
        answer.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": answer.headers.get(
                "content-disposition", 'attachment; filename="badge.pdf"'
            ).replace("inline", "attachment"),
            "Cache-Control": "no-store",
        },
    )
