"""A focal point's pages: the delegation at a glance, nominations, the CSV upload, logistics."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from plenary_portal.adapters.backend import ServiceError
from plenary_portal.domain.views import CATEGORIES, STATES, WITHDRAWABLE, quota_bars
from plenary_portal.entrypoints.web.pages import (
    FocalPoint,
    SignedIn,
    clean,
    form_values,
    go,
    key_of,
    problem_page,
    render,
)

router = APIRouter(tags=["focal point"])
NOMINEE_FIELDS = (
    "given_name",
    "family_name",
    "given_name_native",
    "family_name_native",
    "position",
    "email",
    "phone",
    "category",
    "nationality",
    "passport_number",
    "passport_expiry",
    "date_of_birth",
    "dietary",
    "accessibility",
    "language",
)
# personal document data is never sent back in a page, not even to the person who typed it
NEVER_ECHOED = ("passport_number", "passport_expiry", "date_of_birth")
CSV_TEMPLATE = (
    "given_name,family_name,email,category,nationality,passport_number,date_of_birth,"
    "position,language\r\n"
    "Aigerim,Nurlanovna,a.nurlanovna@example.org,delegate,KAZ,N12345678,1984-02-29,"
    "Deputy Minister,ru\r\n"
)


async def _delegation(seen: SignedIn) -> dict:
    """The focal point's own delegation."""
    return await seen.backend.call(
        "delegation", "GET", f"/v1/delegations/{seen.principal.delegation_id}", token=seen.token
    )


@router.get("/delegation")
async def delegation_page(seen: FocalPoint, state: str | None = None, offset: int = 0) -> Response:
    """Quota use as bars, nominations by state, the waiting lists and the people (live)."""
    try:
        delegation = await _delegation(seen)
        meeting_id, delegation_id = delegation["meeting_id"], delegation["id"]
        path = f"/v1/meetings/{meeting_id}/applications"
        token, size = seen.token, seen.request.app.state.settings.page_size

        def get(service: str, url: str, **params):
            return seen.backend.call(service, "GET", url, token=token, params=params or None)

        statistics, people, meeting, waiting, waitlisted, seats = await asyncio.gather(
            get("registration", f"/v1/meetings/{meeting_id}/statistics"),
            get(
                "registration",
                path,
                limit=size,
                offset=max(offset, 0),
                **({"state": state} if state in STATES else {}),
            ),
            get("scheduling", f"/v1/meetings/{meeting_id}"),
            get("delegation", f"/v1/delegations/{delegation_id}/waiting-list", limit=100),
            get("registration", path, state="waitlisted", limit=100),
            get("scheduling", f"/v1/delegations/{delegation_id}/session-waiting-list", limit=100),
        )
    except ServiceError as error:
        return problem_page(seen, error)
    names = {p["id"]: f"{p['given_name']} {p['family_name']}" for p in waitlisted["items"]}
    return render(
        seen,
        "delegation.html",
        delegation=delegation,
        meeting=meeting,
        bars=quota_bars(delegation),
        counts={s: statistics["by_state"].get(s, 0) for s in STATES},
        people=people,
        waiting=waiting,
        names=names,
        seats=seats,
        state=state if state in STATES else None,
        withdrawable=WITHDRAWABLE,
        live=True,
    )


@router.get("/delegation/nominate")
async def nominate_page(seen: FocalPoint) -> Response:
    """The nomination form."""
    return render(seen, "nominate.html", values={}, errors={}, categories=CATEGORIES)


@router.post("/delegation/nominate")
async def nominate(request: Request, seen: FocalPoint) -> Response:
    """Nominate one participant; the delegation's quota check follows."""
    form = await request.form()
    body: dict[str, str | bool] = dict(clean(form, NOMINEE_FIELDS))
    if (waitlist := form.get("waitlist")) in ("yes", "no"):
        body["waitlist"] = waitlist == "yes"
    try:
        delegation = await _delegation(seen)
        application = await seen.backend.call(
            "registration",
            "POST",
            f"/v1/meetings/{delegation['meeting_id']}/applications",
            token=seen.token,
            idempotency_key=key_of(form),
            json=body,
        )
    except ServiceError as error:
        if error.beyond_the_form:
            return problem_page(seen, error)
        errors = dict(error.fields) or {"form": error.detail}
        return render(
            seen,
            "nominate.html",
            422,
            values=form_values(form, hide=NEVER_ECHOED),
            errors=errors,
            categories=CATEGORIES,
        )
    name = f"{application['given_name']} {application['family_name']}"
    return go("/delegation", notice="nominated", name=name)


@router.post("/delegation/waiting-list")
async def waiting_list_default(request: Request, seen: FocalPoint) -> Response:
    """Whether nominations over quota wait on the list when the form does not say."""
    form = await request.form()
    try:
        await seen.backend.call(
            "delegation",
            "PUT",
            f"/v1/delegations/{seen.principal.delegation_id}/waiting-list",
            token=seen.token,
            json={"by_default": form.get("by_default") == "yes"},
        )
    except ServiceError as error:
        return problem_page(seen, error)
    return go("/delegation", notice="waiting_list_default")


@router.post("/applications/{application_id}/withdraw")
async def withdraw(application_id: uuid.UUID, request: Request, seen: FocalPoint) -> Response:
    """Withdraw one of the delegation's people, with a reason."""
    form = await request.form()
    reason = str(form.get("reason", "")).strip()
    if len(reason) < 3:
        return go("/delegation", notice="reason_needed")
    try:
        application = await seen.backend.call(
            "registration",
            "POST",
            f"/v1/applications/{application_id}/withdrawal",
            token=seen.token,
            idempotency_key=key_of(form),
            json={"reason": reason},
        )
    except ServiceError as error:
        return problem_page(seen, error)
    name = f"{application['given_name']} {application['family_name']}"
    return go("/delegation", notice="withdrawn", name=name)


@router.get("/delegation/import")
async def import_page(seen: FocalPoint) -> Response:
    """The CSV upload form."""
    return render(seen, "import.html", errors={})


@router.get("/delegation/import/template.csv")
async def import_template(seen: FocalPoint) -> Response:
    """An example CSV with every column the import knows."""
    return Response(
        CSV_TEMPLATE,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="nominations.csv"'},
    )


@router.post("/delegation/import")
async def upload(request: Request, seen: FocalPoint) -> Response:
    """Send the CSV to registration and follow its progress."""
    limit = seen.request.app.state.settings.max_upload_bytes
    form = await request.form(max_part_size=limit)
    file = form.get("file")
    data = await file.read(limit + 1) if isinstance(file, UploadFile) else b""
    if not data:
        return render(seen, "import.html", 422, errors={"file": "@file_needed"})
    if len(data) > limit:
        return render(seen, "import.html", 413, errors={"file": "@file_too_large"})
    try:
        delegation = await _delegation(seen)
        started = await seen.backend.call(
            "registration",
            "POST",
            f"/v1/meetings/{delegation['meeting_id']}/imports",
            token=seen.token,
            idempotency_key=key_of(form),
            content=data,
            headers={"Content-Type": "text/csv"},
        )
    except ServiceError as error:
        if error.beyond_the_form:
            return problem_page(seen, error)
        return render(seen, "import.html", 422, errors={"file": error.detail})
    return go(f"/delegation/imports/{started['id']}")


@router.get("/delegation/imports/{import_id}")
async def import_progress(import_id: uuid.UUID, seen: FocalPoint, offset: int = 0) -> Response:
    """Progress of an upload, and the lines that could not be nominated."""
    try:
        job = await seen.backend.call(
            "registration", "GET", f"/v1/imports/{import_id}", token=seen.token
        )
        errors = await seen.backend.call(
            "registration",
            "GET",
            f"/v1/imports/{import_id}/errors",
            token=seen.token,
            params={"limit": 200, "offset": max(offset, 0)},
        )
    except ServiceError as error:
        return problem_page(seen, error)
    return render(seen, "import_progress.html", job=job, errors_page=errors)


@router.get("/delegation/imports/{import_id}/progress")
async def import_status(import_id: uuid.UUID, seen: FocalPoint) -> Response:
    """The import's progress as JSON, for the progress bar."""
    try:
        job = await seen.backend.call(
            "registration", "GET", f"/v1/imports/{import_id}", token=seen.token
        )
    except ServiceError as error:
        return JSONResponse({"detail": error.detail}, status_code=error.status)
    keys = ("status", "total", "processed", "nominated", "failed", "percent")
    return JSONResponse({k: job[k] for k in keys})


@router.get("/delegation/logistics")
async def logistics_page(seen: FocalPoint) -> Response:
    """Arrivals, departures and the hotel."""
    return await _logistics(seen, errors={}, values={})


async def _logistics(seen: SignedIn, *, errors: dict, values: dict, status: int = 200) -> Response:
    did = seen.principal.delegation_id
    try:
        delegation = await _delegation(seen)
        movements = await seen.backend.all_pages(
            "delegation", f"/v1/delegations/{did}/movements", token=seen.token
        )
        try:
            hotel = await seen.backend.call(
                "delegation", "GET", f"/v1/delegations/{did}/accommodation", token=seen.token
            )
        except ServiceError as error:
            if error.status != 404:
                raise
            hotel = None
    except ServiceError as error:
        return problem_page(seen, error)
    return render(
        seen,
        "logistics.html",
        status,
        delegation=delegation,
        movements=movements,
        hotel=hotel,
        errors=errors,
        values=values,
    )


@router.post("/delegation/movements")
async def add_movement(request: Request, seen: FocalPoint) -> Response:
    """Record an arrival or a departure."""
    form = await request.form()
    body = clean(
        form, ("direction", "mode", "carrier", "number", "place", "scheduled_at", "persons")
    )
    return await _save(
        seen,
        form,
        "POST",
        f"/v1/delegations/{seen.principal.delegation_id}/movements",
        body,
        notice="movement_saved",
        prefix="movement",
    )


@router.post("/delegation/accommodation")
async def set_hotel(request: Request, seen: FocalPoint) -> Response:
    """Set the delegation's hotel and room block."""
    form = await request.form()
    body = clean(form, ("hotel", "rooms", "check_in", "check_out"))
    return await _save(
        seen,
        form,
        "PUT",
        f"/v1/delegations/{seen.principal.delegation_id}/accommodation",
        body,
        notice="hotel_saved",
        prefix="hotel",
    )


async def _save(seen, form, method, path, body, *, notice, prefix) -> Response:
    """Send one logistics form; on a refusal show the form again with its messages."""
    try:
        await seen.backend.call(
            "delegation",
            method,
            path,
            token=seen.token,
            idempotency_key=key_of(form),
            json=body,
        )
    except ServiceError as error:
        if error.beyond_the_form:
            return problem_page(seen, error)
        errors = {f"{prefix}.{k}": v for k, v in error.fields.items()} or {prefix: error.detail}
        return await _logistics(seen, errors=errors, values=form_values(form), status=422)
    return go("/delegation/logistics", notice=notice)
