"""HTTP routes for bulk nominations from a CSV, with progress and per-line errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import func, select

from plenary_registration.adapters.tables import import_errors, imports
from plenary_registration.entrypoints.api.policy import POLICY
from plenary_registration.entrypoints.api.routes import CipherDep, _owners
from plenary_registration.service_layer import handlers
from plenary_registration.service_layer.imports import start_import
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import Forbidden, Invalid, NotFound
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["imports"])


class ImportRead(BaseModel):
    """Where an import stands."""

    id: UUID
    meeting_id: UUID
    delegation_id: UUID
    status: str
    total: int
    processed: int
    nominated: int
    failed: int
    percent: int
    created_at: datetime
    finished_at: datetime | None


class ImportErrorRead(BaseModel):
    """A line that could not be nominated, and why."""

    line: int
    reason: str


@router.post(
    "/meetings/{meeting_id}/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportRead,
    openapi_extra={"requestBody": {"content": {"text/csv": {}}, "required": True}},
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
    ask_delegation, ask_scheduling = _owners(rt, grant.principal)
    async with uow:
        await handlers.ensure_delegation_in_meeting(uow, delegation_id, meeting_id, ask_delegation)
        # the worker has no caller to ask scheduling with: the meeting is learnt of now
        await handlers.known_meeting(uow, meeting_id, ask_scheduling)
        import_id = await start_import(
            uow,
            meeting_id=meeting_id,
            delegation_id=delegation_id,
            text=text,
            actor=grant.principal.subject,
            cipher=cipher,
        )
    rt.state["import_wake"].set()
    response.headers["Location"] = f"/v1/imports/{import_id}"
    return await get_import(import_id, rt, grant)


@router.get("/imports/{import_id}", response_model=ImportRead)
async def get_import(
    import_id: UUID, rt: RuntimeDep, grant: Annotated[Grant, POLICY.allows("imports.read")]
) -> ImportRead:
    """Progress of an import: lines processed, nominated and failed."""
    async with rt.engine.connect() as conn:
        row = (await conn.execute(select(imports).where(imports.c.id == import_id))).one_or_none()
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
    e = import_errors
    async with rt.engine.connect() as conn:
        total = await conn.scalar(
            select(func.count()).select_from(e).where(e.c.import_id == import_id)
        )
        rows = (
            await conn.execute(
                select(e.c.line, e.c.reason)
                .where(e.c.import_id == import_id)
                .order_by(e.c.line)
                .limit(page.limit)
                .offset(page.offset)
            )
        ).all()
    items = [ImportErrorRead(line=r.line, reason=r.reason) for r in rows]
    return Page(items=items, total=total or 0, limit=page.limit, offset=page.offset)


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
