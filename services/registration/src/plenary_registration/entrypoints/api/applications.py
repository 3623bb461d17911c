"""HTTP routes of applications: nominating, reading, correcting, the accreditation workflow."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Header, Query, Request, Response, status

from plenary_registration.adapters import queries
from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.domain.commands import (
    ApplicationCreate,
    ApplicationUpdate,
    DecisionCreate,
    ReasonCreate,
    VettingCreate,
)
from plenary_registration.domain.model import State, ensure_editable, mask
from plenary_registration.domain.photos import photo_kind
from plenary_registration.entrypoints.api.deps import CipherDep, owners
from plenary_registration.entrypoints.api.policy import POLICY, sees
from plenary_registration.entrypoints.api.schemas import (
    HISTORY,
    ApplicationRead,
    DocumentsRead,
    HistoryRead,
)
from plenary_registration.service_layer import accreditation, applications
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import Gone, NotFound
from plenary_shared.runtime import RuntimeDep, ServiceRuntime, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["applications"])


def _read(row, cipher: DocumentCipher) -> ApplicationRead:
    fields = {k: getattr(row, k) for k in ApplicationRead.model_fields if hasattr(row, k)}
    passport = row.passport_number_enc
    return ApplicationRead(
        **fields,
        passport_number_masked=mask(cipher.decrypt(passport)) if passport else "purged",
        has_photo=row.photo is not None,
    )


@router.post(
    "/meetings/{meeting_id}/applications",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ApplicationRead,
)
async def submit_application(
    meeting_id: UUID,
    body: ApplicationCreate,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.create")],
    cipher: CipherDep,
    response: Response,
    uow: UnitOfWorkDep,
) -> ApplicationRead:
    """Nominate a participant; the delegation's quota check follows asynchronously."""
    if earlier := await uow.earlier_result():
        response.headers["Location"] = f"/v1/applications/{earlier}"
        return await get_application(UUID(earlier), rt, grant, cipher)
    ask_delegation, ask_scheduling = owners(rt, grant.principal)
    async with uow:
        application = await applications.submit_application(
            uow,
            meeting_id=meeting_id,
            command=body,
            grant=grant,
            cipher=cipher,
            ask_delegation=ask_delegation,
            ask_scheduling=ask_scheduling,
        )
    response.headers["Location"] = f"/v1/applications/{application.id}"
    return _read(application, cipher)


@router.get("/meetings/{meeting_id}/applications", response_model=Page[ApplicationRead])
async def list_applications(
    meeting_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.list")],
    cipher: CipherDep,
    page: PageDep,
    state: State | None = None,
    delegation_id: Annotated[UUID | None, Query()] = None,
) -> Page[ApplicationRead]:
    """A meeting's applications, newest first; a focal point sees its own delegation's only."""
    if not grant.everything:
        delegation_id = grant.only_delegation
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_applications(
            conn,
            meeting_id,
            delegation_id=delegation_id,
            state=state,
            limit=page.limit,
            offset=page.offset,
        )
    items = [_read(r, cipher) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/applications/{application_id}", response_model=ApplicationRead)
async def get_application(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.read")],
    cipher: CipherDep,
) -> ApplicationRead:
    """One application with its current state (its participant may read it too)."""
    row = await _visible(rt, application_id, grant)
    return _read(row, cipher)


@router.patch("/applications/{application_id}", response_model=ApplicationRead)
async def update_application(
    application_id: UUID,
    body: ApplicationUpdate,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.update")],
    cipher: CipherDep,
    uow: UnitOfWorkDep,
) -> ApplicationRead:
    """Correct details before the accreditation decision (fields not sent stay as they are)."""
    async with uow:
        await applications.update_application(
            uow, application_id=application_id, command=body, grant=grant, cipher=cipher
        )
    return await get_application(application_id, rt, grant, cipher)


@router.get("/applications/{application_id}/documents", response_model=DocumentsRead)
async def get_documents(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.documents")],
    cipher: CipherDep,
) -> DocumentsRead:
    """Passport number, expiry and date of birth in full: the accreditation desk only."""
    row = await _visible(rt, application_id, grant)
    if row.documents_purged_at is not None:
        raise Gone(
            f"the document data was purged on {row.documents_purged_at:%Y-%m-%d} after the meeting"
        )
    expiry = row.passport_expiry_enc
    return DocumentsRead(
        passport_number=cipher.decrypt(row.passport_number_enc),
        passport_expiry=date.fromisoformat(cipher.decrypt(expiry)) if expiry else None,
        date_of_birth=date.fromisoformat(cipher.decrypt(row.date_of_birth_enc)),
    )


@router.put(
    "/applications/{application_id}/photo",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra={
        "requestBody": {
            "content": {
                "image/jpeg": {},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
            "required": True,
        }
    },
)
async def upload_photo(
    application_id: UUID,
    request: Request,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.update")],
    uow: UnitOfWorkDep,
    content_type: Annotated[str, Header()] = "",
) -> None:
    """A passport-style photo, JPEG or PNG up to 1 MB; replaces any earlier one."""
    row = await _visible(rt, application_id, grant)
    ensure_editable(State(row.state))
    data = await request.body()
    kind = photo_kind(data, content_type)
    if await uow.earlier_result():
        return
    async with uow:
        await applications.upload_photo(
            uow,
            application_id=application_id,
            data=data,
            kind=kind,
            actor=grant.principal.subject,
        )


@router.get(
    "/applications/{application_id}/photo",
    response_class=Response,
    responses={
        200: {
            "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "the photo as uploaded, in its own format",
        }
    },
)
async def get_photo(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.photo")],
) -> Response:
    """The photo as uploaded."""
    row = await _visible(rt, application_id, grant)
    if row.photo is None:
        raise NotFound("this application has no photo yet")
    return Response(content=row.photo, media_type=row.photo_type)


@router.get(
    "/applications/{application_id}/history",
    response_model=list[HistoryRead],
    responses={200: {"content": {"application/json": {"example": HISTORY}}}},
)
async def get_history(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.history")],
) -> list[HistoryRead]:
    """The audit trail: every state change with who, when and why."""
    await _visible(rt, application_id, grant)
    async with rt.engine.connect() as conn:
        rows = await queries.history(conn, application_id)
    return [HistoryRead.model_validate(r, from_attributes=True) for r in rows]


@router.post("/applications/{application_id}/decision", response_model=ApplicationRead)
async def decide(
    application_id: UUID,
    body: DecisionCreate,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.decide")],
    cipher: CipherDep,
    uow: UnitOfWorkDep,
) -> ApplicationRead:
    """Grant or refuse accreditation of a nominated application."""
    if not await uow.earlier_result():
        async with uow:
            await accreditation.decide(
                uow, application_id=application_id, command=body, actor=grant.principal.subject
            )
    return await get_application(application_id, rt, grant, cipher)


@router.post("/applications/{application_id}/withdrawal", response_model=ApplicationRead)
async def withdraw(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.withdraw")],
    cipher: CipherDep,
    uow: UnitOfWorkDep,
    body: Annotated[ReasonCreate, Body()],
) -> ApplicationRead:
    """Withdraw an application at any stage (its focal point or organiser staff)."""
    if not await uow.earlier_result():
        async with uow:
            await applications.withdraw(
                uow, application_id=application_id, reason=body.reason, grant=grant
            )
    return await get_application(application_id, rt, grant, cipher)


@router.post("/applications/{application_id}/revocation", response_model=ApplicationRead)
async def revoke(
    application_id: UUID,
    body: ReasonCreate,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.revoke")],
    cipher: CipherDep,
    uow: UnitOfWorkDep,
) -> ApplicationRead:
    """Revoke an accreditation (organiser staff); the badge stops admitting at once."""
    if not await uow.earlier_result():
        async with uow:
            await accreditation.revoke(
                uow,
                application_id=application_id,
                reason=body.reason,
                actor=grant.principal.subject,
            )
    return await get_application(application_id, rt, grant, cipher)


@router.post("/applications/{application_id}/vetting", response_model=ApplicationRead)
async def record_vetting(
    application_id: UUID,
    body: VettingCreate,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.vet")],
    cipher: CipherDep,
    uow: UnitOfWorkDep,
) -> ApplicationRead:
    """The host's security service clears or flags a nominee (meetings that require vetting)."""
    if not await uow.earlier_result():
        async with uow:
            await accreditation.record_vetting(
                uow, application_id=application_id, command=body, actor=grant.principal.subject
            )
    return await get_application(application_id, rt, grant, cipher)


async def _visible(rt: ServiceRuntime, application_id: UUID, grant: Grant):
    """The application, if the grant reaches it (anything else is as if it did not exist)."""
    async with rt.engine.connect() as conn:
        row = await queries.get_application(conn, application_id)
    if row is None or not sees(grant, row):
        raise NotFound(f"application {application_id} does not exist")
    return row
