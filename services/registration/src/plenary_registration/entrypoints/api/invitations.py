"""HTTP routes of invitations to the portal: issuing, renewing and revoking them (staff), and
accepting one with the e-mailed code (public)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, status

from plenary_registration.adapters import queries
from plenary_registration.domain.accounts import ensure_invitation_names, invitation_status
from plenary_registration.domain.commands import CodeGiven, InvitationCreate, PasswordSet
from plenary_registration.entrypoints.api.deps import SettingsDep
from plenary_registration.entrypoints.api.policy import POLICY
from plenary_registration.entrypoints.api.schemas import CodeSent, InvitationRead, Link, Session
from plenary_registration.service_layer import accounts, sign_in
from plenary_shared.api import Page, PageDep
from plenary_shared.auth import Role
from plenary_shared.authz import Grant
from plenary_shared.errors import Conflict
from plenary_shared.inputs import Line
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

# included by `accounts` into its routers (prefix /v1 and /v1/auth, tag "accounts")
router = APIRouter()
public_router = APIRouter()


@router.post("/invitations", status_code=status.HTTP_201_CREATED, response_model=Link)
async def invite(
    body: InvitationCreate,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("invitations.create")],
    settings: SettingsDep,
) -> Link:
    """Invite someone to the portal: the link is e-mailed, and answered here once."""
    role = Role(body.role)
    ensure_invitation_names(
        role.value, delegation_id=body.delegation_id, application_id=body.application_id
    )
    if earlier := await uow.earlier_result():
        raise Conflict(
            f"invitation {earlier} was already issued for this request; its link is shown only once, "
            f"so get a new one with POST /v1/invitations/{earlier}/link"
        )
    async with uow:
        invitation_id, token = await accounts.issue_invitation(
            uow,
            email=body.email,
            role=role,
            delegation_id=body.delegation_id,
            application_id=body.application_id,
            language=body.language,
            actor=grant.principal.subject,
            days=settings.invitation_days,
            links=settings.links,
        )
    return Link(id=invitation_id, url=settings.links.url(accounts.INVITATION_PAGE, token))


@router.post("/invitations/{invitation_id}/link", response_model=Link)
async def renew_invitation_link(
    invitation_id: UUID,
    uow: UnitOfWorkDep,
    _: Annotated[Grant, POLICY.allows("invitations.renew")],
    settings: SettingsDep,
) -> Link:
    """A new link for an invitation not yet accepted, e-mailed again; the previous one stops working."""
    async with uow:
        token = await accounts.renew_link(
            uow, invitation_id=invitation_id, days=settings.invitation_days, links=settings.links
        )
    return Link(id=invitation_id, url=settings.links.url(accounts.INVITATION_PAGE, token))


def _invitation(row, now: datetime) -> InvitationRead:
    fields = {k: getattr(row, k) for k in InvitationRead.model_fields if k != "status"}
    status = invitation_status(
        accepted_at=row.accepted_at, revoked_at=row.revoked_at, expires_at=row.expires_at, now=now
    )
    return InvitationRead(**fields, status=status)


@router.get("/invitations", response_model=Page[InvitationRead])
async def list_invitations(
    rt: RuntimeDep,
    _: Annotated[Grant, POLICY.allows("invitations.list")],
    page: PageDep,
    email: Line | None = Query(None, max_length=320),
    status_: Literal["pending", "accepted", "expired", "revoked"] | None = Query(
        None, alias="status"
    ),
) -> Page[InvitationRead]:
    """Invitations, newest first: who invited whom, when, and what became of it."""
    now = datetime.now(UTC)
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_invitations(
            conn, email=email, status=status_, limit=page.limit, offset=page.offset, now=now
        )
    items = [_invitation(r, now) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/invitations/{invitation_id}/revocation", response_model=InvitationRead)
async def revoke_invitation(
    invitation_id: UUID,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("invitations.revoke")],
    rt: RuntimeDep,
) -> InvitationRead:
    """Withdraw an invitation not yet accepted; its link stops working. Revoking again is a no-op."""
    async with uow:
        await accounts.revoke(uow, invitation_id=invitation_id, actor=grant.principal.subject)
    now = datetime.now(UTC)
    async with rt.engine.connect() as conn:
        rows, _ = await queries.list_invitations(
            conn, email=None, status=None, limit=1, offset=0, now=now, invitation_id=invitation_id
        )
    return _invitation(rows[0], datetime.now(UTC))


@public_router.post(
    "/invitations/accept", status_code=status.HTTP_202_ACCEPTED, response_model=CodeSent
)
async def accept_invitation(body: PasswordSet, rt: RuntimeDep, settings: SettingsDep) -> CodeSent:
    """Choose the password an invitation asks for; a code is e-mailed to the invited address."""
    async with rt.unit_of_work() as uow:
        hint = await accounts.accept(
            uow,
            token=body.token,
            password=body.password,
            links=settings.links,
            code_minutes=settings.invitation_code_minutes,
            throttle_seconds=settings.password_reset_throttle_seconds,
            max_attempts=settings.invitation_code_attempts,
        )
    return CodeSent(
        detail=f"We e-mailed a six-digit code to {hint}; enter it to finish. It works for "
        f"{settings.invitation_code_minutes:g} minutes, so that only the invited person can "
        "accept, even if the link was passed on.",
        email_hint=hint,
    )


@public_router.post(
    "/invitations/confirm", status_code=status.HTTP_201_CREATED, response_model=Session
)
async def confirm_invitation(body: CodeGiven, rt: RuntimeDep, settings: SettingsDep) -> Session:
    """Give the e-mailed code: the account is made with the chosen password, and signed in."""
    async with rt.unit_of_work() as uow:
        account_id = await accounts.confirm(
            uow, token=body.token, code=body.code, max_attempts=settings.invitation_code_attempts
        )
    async with rt.unit_of_work() as uow:
        token = await sign_in.start_session(
            uow,
            account_id=account_id,
            private_key=settings.jwt_private_key,
            hours=settings.session_hours,
        )
    return Session(access_token=token, expires_in=int(settings.session_hours * 3600))
