"""HTTP routes of the registration service."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from plenary_registration.adapters import repository
from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.domain.model import State, mask
from plenary_registration.entrypoints.api.schemas import (
    ApplicationCreate,
    ApplicationRead,
    DecisionCreate,
    HistoryRead,
)
from plenary_registration.service_layer import handlers
from plenary_shared.api import Page, PageDep
from plenary_shared.auth import CurrentPrincipal, OrganiserPrincipal, Principal
from plenary_shared.errors import NotFound
from plenary_shared.owners import fetch_if_exists
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["applications"])


def get_cipher(request: Request) -> DocumentCipher:
    """The cipher of personal document data."""
    return request.app.state.runtime.state["cipher"]


CipherDep = Annotated[DocumentCipher, Depends(get_cipher)]


def _read(row, cipher: DocumentCipher) -> ApplicationRead:
    return ApplicationRead(
        **{k: getattr(row, k) for k in ApplicationRead.model_fields if hasattr(row, k)},
        passport_number_masked=mask(cipher.decrypt(row.passport_number_enc)),
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
    principal: CurrentPrincipal,
    cipher: CipherDep,
    response: Response,
    uow: UnitOfWorkDep,
) -> ApplicationRead:
    """Nominate a participant; the delegation's quota check follows asynchronously."""

    async def ask_delegation(did: UUID) -> dict | None:
        url = f"{rt.settings.delegation_url}/v1/delegations/{did}"
        return await fetch_if_exists(rt.http, url=url, token=principal.token, owner="delegation")

    if earlier := await uow.earlier_result():
        response.headers["Location"] = f"/v1/applications/{earlier}"
        return await get_application(UUID(earlier), rt, principal, cipher)
    async with uow:
        application_id = await handlers.submit_application(
            uow,
            meeting_id=meeting_id,
            command=body,
            principal=principal,
            cipher=cipher,
            ask_delegation=ask_delegation,
        )
    response.headers["Location"] = f"/v1/applications/{application_id}"
    return await get_application(application_id, rt, principal, cipher)


@router.get("/meetings/{meeting_id}/applications", response_model=Page[ApplicationRead])
async def list_applications(
    meeting_id: UUID,
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    cipher: CipherDep,
    page: PageDep,
    state: State | None = None,
    delegation_id: Annotated[UUID | None, Query()] = None,
) -> Page[ApplicationRead]:
    """A meeting's applications, newest first; a focal point sees its own delegation's only."""
    if not principal.is_organiser:
        delegation_id = principal.delegation_id or UUID(int=0)
    async with rt.engine.connect() as conn:
        rows, total = await repository.list_applications(
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
    application_id: UUID, rt: RuntimeDep, principal: CurrentPrincipal, cipher: CipherDep
) -> ApplicationRead:
    """One application with its current state."""
    row = await _visible(rt, application_id, principal)
    return _read(row, cipher)


@router.get("/applications/{application_id}/history", response_model=list[HistoryRead])
async def get_history(
    application_id: UUID, rt: RuntimeDep, principal: CurrentPrincipal
) -> list[HistoryRead]:
    """The audit trail: every state change with who, when and why."""
    await _visible(rt, application_id, principal)
    async with rt.engine.connect() as conn:
        rows = await repository.history(conn, application_id)
    return [HistoryRead.model_validate(r, from_attributes=True) for r in rows]


@router.post("/applications/{application_id}/decision", response_model=ApplicationRead)
async def decide(
    application_id: UUID,
    body: DecisionCreate,
    rt: RuntimeDep,
    principal: OrganiserPrincipal,
    cipher: CipherDep,
    uow: UnitOfWorkDep,
) -> ApplicationRead:
    """Grant or refuse accreditation of a nominated application."""
    if await uow.earlier_result():
        return await get_application(application_id, rt, principal, cipher)
    async with uow:
        await handlers.decide(
            uow, application_id=application_id, command=body, actor=principal.subject
        )
    return await get_application(application_id, rt, principal, cipher)


async def _visible(rt, application_id: UUID, principal: Principal):
    async with rt.engine.connect() as conn:
        row = await repository.get_application(conn, application_id)
    if row is None or not principal.may_act_for(row.delegation_id):
        raise NotFound(f"application {application_id} does not exist")
    return row
