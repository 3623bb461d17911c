"""HTTP routes for bulk nominations from a CSV, with progress and per-line errors."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from plenary_registration.adapters import queries
from plenary_registration.entrypoints.api.deps import CipherDep, owners, state_of
from plenary_registration.entrypoints.api.policy import POLICY
from plenary_registration.entrypoints.api.schemas import ImportErrorRead, ImportRead
from plenary_registration.service_layer.applications import (
    ensure_delegation_in_meeting,
    known_meeting,
)
from plenary_registration.service_layer.imports import start_import
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import Forbidden, Invalid, NotFound
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["imports"])


@router.post(
    "/meetings/{meeting_id}/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportRead,
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def upload_nominations(
    meeting_id: UUID,
    request: Request,
    rt: RuntimeDep,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("imports.create")],
    cipher: CipherDep,
    response: Response,
    delegation_id: Annotated[
        UUID | None, Query(description="organiser staff: for which delegation")
    ] = None,
) -> ImportRead:
    """Nominate a delegation's people from a CSV (header line first); follow progress at Location."""
    delegation_id = _delegation_for(grant, delegation_id)
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("the CSV must be UTF-8 text") from exc
    ask_delegation, ask_scheduling = owners(rt, grant.principal)
    async with uow:
        await ensure_delegation_in_meeting(uow, delegation_id, meeting_id, ask_delegation)
        # the worker has no caller to ask scheduling with: the meeting is learnt of now
        await known_meeting(uow, meeting_id, ask_scheduling)
        import_id = await start_import(
            uow,
            meeting_id=meeting_id,
            delegation_id=delegation_id,
            text=text,
            actor=grant.principal.subject,
            cipher=cipher,
        )
    state_of(request).import_wake.set()
    response.headers["Location"] = f"/v1/imports/{import_id}"
    return await get_import(import_id, rt, grant)


@router.get("/imports/{import_id}", response_model=ImportRead)
async def get_import(
    import_id: UUID, rt: RuntimeDep, grant: Annotated[Grant, POLICY.allows("imports.read")]
) -> ImportRead:
    """Progress of an import: lines processed, nominated and failed."""
    async with rt.engine.connect() as conn:
        row = await queries.get_import(conn, import_id)
    if row is None or not grant.reaches(row.delegation_id):
        raise NotFound(f"import {import_id} does not exist")
    fields = {k: getattr(row, k) for k in ImportRead.model_fields if hasattr(row, k)}
    return ImportRead(**fields, percent=100 * row.processed // max(row.total, 1))


@router.get("/imports/{import_id}/errors", response_model=Page[ImportErrorRead])
async def list_import_errors(
    import_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("imports.read")],
    page: PageDep,
) -> Page[ImportErrorRead]:
    """The lines that were not nominated, in file order, with the reason for each."""
    await get_import(import_id, rt, grant)
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_import_errors(
            conn, import_id, limit=page.limit, offset=page.offset
        )
    items = [ImportErrorRead(line=r.line, reason=r.reason) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


def _delegation_for(grant: Grant, delegation_id: UUID | None) -> UUID:
    if grant.everything:
        if delegation_id is None:
            raise Invalid("delegation_id is required when organiser staff upload nominations")
        return delegation_id
    own = grant.only_delegation
    if own is None or not grant.reaches(own):
        raise Forbidden("only focal points and organiser staff may upload nominations")
    if delegation_id not in (None, own):
        raise Forbidden("a focal point may upload nominations only for its own delegation")
    return own
