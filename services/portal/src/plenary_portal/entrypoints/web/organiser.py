"""Organiser staff's pages: accreditation queue, delegations, schedule grid, check-in, deliveries."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from plenary_portal.adapters.backend import ServiceError
from plenary_portal.domain.views import STATES, quota_bars, schedule_grid
from plenary_portal.entrypoints.web.pages import Staff, Viewer, go, key_of, problem_page, render

router = APIRouter(prefix="/organiser", tags=["organiser"])
ZONES = ("plenary", "restricted", "press", "operations")
DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")
# how many decisions are sent to registration at once
DECISIONS_AT_ONCE = 8


@router.get("")
async def meetings_page(seen: Staff) -> Response:
    """The meetings to work on."""
    try:
        meetings = await seen.backend.call(
            "scheduling", "GET", "/v1/meetings", token=seen.token, params={"limit": 100}
        )
    except ServiceError as error:
        return problem_page(seen, error)
    return render(seen, "meetings.html", meetings=meetings["items"])


async def _meeting(seen: Viewer, meeting_id: uuid.UUID) -> dict:
    return await seen.backend.call(
        "scheduling", "GET", f"/v1/meetings/{meeting_id}", token=seen.token
    )


async def _delegation_names(seen: Viewer, meeting_id: uuid.UUID) -> dict[str, dict]:
    delegations = await seen.backend.all_pages(
        "delegation", f"/v1/meetings/{meeting_id}/delegations", token=seen.token
    )
    return {d["id"]: d for d in delegations}


@router.get("/meetings/{meeting_id}/queue")
async def queue_page(
    meeting_id: uuid.UUID, seen: Staff, state: str = "nominated", offset: int = 0
) -> Response:
    """Applications awaiting a decision (or in another state), oldest first, to decide in bulk."""
    state = state if state in STATES else "nominated"
    try:
        meeting, delegations, page = await asyncio.gather(
            _meeting(seen, meeting_id),
            _delegation_names(seen, meeting_id),
            seen.backend.call(
                "registration",
                "GET",
                f"/v1/meetings/{meeting_id}/applications",
                token=seen.token,
                params={
                    "state": state,
                    "limit": seen.request.app.state.settings.page_size,
                    "offset": max(offset, 0),
                },
            ),
        )
    except ServiceError as error:
        return problem_page(seen, error)
    return render(
        seen,
        "queue.html",
        meeting=meeting,
        delegations=delegations,
        page=page,
        state=state,
        states=STATES,
        live=True,
    )


@router.post("/meetings/{meeting_id}/queue")
async def decide(meeting_id: uuid.UUID, request: Request, seen: Staff) -> Response:
    """Grant or refuse the selected applications; a refusal needs a reason."""
    form = await request.form()
    chosen = [str(v) for v in form.getlist("application_id")]
    verdict = str(form.get("decision", ""))
    reason = str(form.get("reason", "")).strip()
    back = f"/organiser/meetings/{meeting_id}/queue"
    if not chosen:
        return go(back, notice="none_selected")
    if verdict not in ("grant", "refuse"):
        return go(back, notice="decision_needed")
    if verdict == "refuse" and not reason:
        return go(back, notice="refusal_reason_needed")
    key = _key(form.get("idempotency_key"))
    gate = asyncio.Semaphore(DECISIONS_AT_ONCE)

    async def one(application_id: str) -> str | None:
        body = {"decision": verdict} | ({"reason": reason} if reason else {})
        async with gate:
            try:
                await seen.backend.call(
                    "registration",
                    "POST",
                    f"/v1/applications/{application_id}/decision",
                    token=seen.token,
                    idempotency_key=str(uuid.uuid5(key, application_id)),
                    json=body,
                )
            except ServiceError as error:
                if error.status == 401:
                    raise
                return error.detail
        return None

    try:
        outcomes = await asyncio.gather(*(one(a) for a in chosen))
    except ServiceError as error:
        return problem_page(seen, error)
    failures = [message for message in outcomes if message]
    return go(
        back,
        notice="granted" if verdict == "grant" else "refused",
        done=len(chosen) - len(failures),
        failures=failures[:10],
    )


def _key(value) -> uuid.UUID:
    """The form's idempotency key; a missing or mangled one gets a fresh key."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.uuid4()


@router.get("/meetings/{meeting_id}/delegations")
async def delegations_page(meeting_id: uuid.UUID, seen: Staff) -> Response:
    """Every delegation with its quota use and its people by state."""
    try:
        meeting, delegations, statistics = await asyncio.gather(
            _meeting(seen, meeting_id),
            _delegation_names(seen, meeting_id),
            seen.backend.call(
                "registration", "GET", f"/v1/meetings/{meeting_id}/statistics", token=seen.token
            ),
        )
    except ServiceError as error:
        return problem_page(seen, error)
    rows = [
        {"delegation": d, "bars": quota_bars(d), "people": statistics["by_delegation"].get(i, 0)}
        for i, d in sorted(delegations.items(), key=lambda item: item[1]["name"])
    ]
    return render(seen, "delegations.html", meeting=meeting, rows=rows, statistics=statistics)


@router.get("/meetings/{meeting_id}/schedule")
async def schedule_page(meeting_id: uuid.UUID, seen: Staff, day: date | None = None) -> Response:
    """One day of the schedule as a grid of rooms and times; a checked move marks its clashes."""
    try:
        meeting = await _meeting(seen, meeting_id)
        first, last = (
            date.fromisoformat(meeting["starts_on"]),
            date.fromisoformat(meeting["ends_on"]),
        )
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        chosen = day if day in days else first
        rooms, sessions = await asyncio.gather(
            seen.backend.all_pages(
                "scheduling", f"/v1/meetings/{meeting_id}/rooms", token=seen.token
            ),
            seen.backend.all_pages(
                "scheduling",
                f"/v1/meetings/{meeting_id}/sessions",
                token=seen.token,
                params={"day": chosen.isoformat(), "status": "scheduled"},
                limit=100,
            ),
        )
    except ServiceError as error:
        return problem_page(seen, error)
    return render(
        seen,
        "schedule.html",
        meeting=meeting,
        days=days,
        day=chosen,
        grid=schedule_grid(rooms, sessions),
        rooms=rooms,
        live=True,
    )


@router.post("/meetings/{meeting_id}/schedule/sessions/{session_id}")
async def move_session(
    meeting_id: uuid.UUID, session_id: uuid.UUID, request: Request, seen: Staff
) -> Response:
    """Check a move (room and times) and, when asked and free of conflicts, make it."""
    form = await request.form()
    change = {
        k: str(form[k])
        for k in ("room_id", "starts_at", "ends_at")
        if isinstance(form.get(k), str) and str(form[k]).strip()
    }
    back = f"/organiser/meetings/{meeting_id}/schedule?day={quote(str(form.get('day', '')))}"
    try:
        report = await seen.backend.call(
            "scheduling",
            "POST",
            f"/v1/meetings/{meeting_id}/conflict-check",
            token=seen.token,
            json={"session_id": str(session_id), **change},
        )
        if report["ok"] and form.get("action") == "save":
            await seen.backend.call(
                "scheduling",
                "PATCH",
                f"/v1/sessions/{session_id}",
                token=seen.token,
                idempotency_key=key_of(form),
                json=change,
            )
            return go(back, notice="session_moved")
    except ServiceError as error:
        if error.beyond_the_form:
            return problem_page(seen, error)
        conflicts = error.extra.get("conflicts") or [{"message": error.detail}]
        return _clashes(back, session_id, conflicts)
    if report["ok"]:
        return go(back, notice="move_free", moving=str(session_id))
    return _clashes(back, session_id, report["conflicts"])


def _clashes(back: str, session_id: uuid.UUID, conflicts: list[dict]) -> Response:
    """Back to the grid, listing a move's conflicts and marking the sessions it clashes with."""
    return go(
        back,
        notice="move_conflicts",
        moving=str(session_id),
        conflicts=[c["message"] for c in conflicts][:10],
        clashing=sorted({c["session_id"] for c in conflicts if c.get("session_id")})[:10],
    )


@router.get("/checkin")
async def checkin_page(seen: Staff) -> Response:
    """Scan or paste a badge's code."""
    return render(
        seen, "checkin.html", zones=ZONES, result=None, errors={}, zone="plenary", checkpoint=""
    )


@router.post("/checkin")
async def checkin(request: Request, seen: Staff) -> Response:
    """Admit or deny the holder at a checkpoint, with the reason."""
    form = await request.form()
    zone, checkpoint = str(form.get("zone", "plenary")), str(form.get("checkpoint", "")).strip()
    body = {"code": str(form.get("code", "")).strip(), "zone": zone, "checkpoint": checkpoint}
    result, errors, status = None, {}, 200
    try:
        result = await seen.backend.call(
            "registration", "POST", "/v1/checkins", token=seen.token, json=body
        )
    except ServiceError as error:
        if error.beyond_the_form:
            return problem_page(seen, error)
        errors, status = (dict(error.fields) or {"code": error.detail}), 422
    return render(
        seen,
        "checkin.html",
        status,
        zones=ZONES,
        result=result,
        errors=errors,
        zone=zone,
        checkpoint=checkpoint,
    )


@router.get("/deliveries")
async def deliveries_page(
    seen: Staff,
    subscription: uuid.UUID | None = None,
    status: str | None = None,
    offset: int = 0,
) -> Response:
    """Subscriptions, and the delivery log of the chosen one."""
    status = status if status in DELIVERY_STATUSES else None
    try:
        subscriptions = await seen.backend.all_pages(
            "notification", "/v1/subscriptions", token=seen.token, limit=100
        )
        chosen = next((s for s in subscriptions if s["id"] == str(subscription)), None)
        if chosen is None and subscriptions:
            chosen = subscriptions[0]
        deliveries = None
        if chosen is not None:
            deliveries = await seen.backend.call(
                "notification",
                "GET",
                f"/v1/subscriptions/{chosen['id']}/deliveries",
                token=seen.token,
                params={
                    "limit": seen.request.app.state.settings.page_size,
                    "offset": max(offset, 0),
                }
                | ({"status": status} if status else {}),
            )
    except ServiceError as error:
        return problem_page(seen, error)
    return render(
        seen,
        "deliveries.html",
        subscriptions=subscriptions,
        chosen=chosen,
        deliveries=deliveries,
        status=status,
        statuses=DELIVERY_STATUSES,
    )


INVITATION_STATUSES = ("pending", "accepted", "expired", "revoked")


@router.get("/invitations")
async def invitations_page(
    seen: Staff, status: str | None = None, email: str | None = None, offset: int = 0
) -> Response:
    """Invitations with who invited whom, to revoke or send again."""
    params = {"limit": seen.request.app.state.settings.page_size, "offset": max(offset, 0)}
    status = status if status in INVITATION_STATUSES else None
    email = (email or "").strip() or None
    try:
        page = await seen.backend.call(
            "registration",
            "GET",
            "/v1/invitations",
            token=seen.token,
            params=params
            | ({"status": status} if status else {})
            | ({"email": email} if email else {}),
        )
    except ServiceError as error:
        return problem_page(seen, error)
    return render(
        seen,
        "invitations.html",
        page=page,
        status=status,
        email=email or "",
        statuses=INVITATION_STATUSES,
    )


@router.post("/invitations/{invitation_id}/{action}")
async def change_invitation(
    invitation_id: uuid.UUID, action: str, request: Request, seen: Staff
) -> Response:
    """Revoke an invitation, or send its link again (which re-opens a revoked one)."""
    paths = {"revoke": "revocation", "resend": "link"}
    if action not in paths:
        return render(seen, "problem.html", 404, error=None)
    form = await request.form()
    try:
        invitation = await seen.backend.call(
            "registration",
            "POST",
            f"/v1/invitations/{invitation_id}/{paths[action]}",
            token=seen.token,
            idempotency_key=key_of(form),
        )
    except ServiceError as error:
        if error.status == 409:
            return go("/organiser/invitations", notice="invitation_refused", detail=error.detail)
        return problem_page(seen, error)
    email = invitation.get("email") or str(form.get("email", ""))
    return go("/organiser/invitations", notice=f"invitation_{action}", email=email)
