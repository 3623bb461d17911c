"""Live updates: the notification stream, scoped to the signed-in person, relayed to the browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, Response, StreamingResponse

from plenary_portal.adapters.backend import ServiceError
from plenary_portal.entrypoints.web.pages import Anyone
from plenary_shared.auth import Role

router = APIRouter(tags=["live"])
# what changes the pages each role sees (the stream is scoped by the token as well)
TYPES = {
    Role.FOCAL_POINT: ("registration.*", "delegation.*"),
    Role.PARTICIPANT: ("registration.*", "scheduling.*"),
    Role.ORGANISER: ("registration.*", "delegation.*", "scheduling.*"),
    Role.ACCREDITATION_DESK: ("registration.*", "delegation.*", "scheduling.*"),
}


@router.get("/live")
async def live(seen: Anyone, last_event_id: str | None = Header(None, max_length=20)) -> Response:
    """Server-sent events; the browser resumes with Last-Event-ID after a dropped connection."""
    params = [("types", t) for t in TYPES[seen.principal.role]]
    stack = AsyncExitStack()
    try:
        upstream = await stack.enter_async_context(
            seen.backend.stream(
                "/v1/stream", token=seen.token, params=params, last_event_id=last_event_id
            )
        )
    except ServiceError as error:
        await stack.aclose()
        return JSONResponse({"detail": error.detail}, status_code=error.status)

    async def relay() -> AsyncIterator[str]:
        # named events become plain messages, so the page hears every kind with one listener
        try:
            async for line in upstream.aiter_lines():
                if not line.startswith("event:"):
                    yield line + "\n"
        except httpx.HTTPError:
            return  # the browser reconnects with Last-Event-ID
        finally:
            await stack.aclose()

    return StreamingResponse(
        relay(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
