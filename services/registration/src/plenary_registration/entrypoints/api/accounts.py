"""HTTP routes of portal accounts: invitations, setting a password, signing in, password resets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from plenary_registration.config import Settings
from plenary_registration.domain.throttle import client_address
from plenary_registration.entrypoints.api.policy import POLICY
from plenary_registration.service_layer import accounts, throttle
from plenary_shared.api import Page, PageDep
from plenary_shared.auth import Role
from plenary_shared.authz import Grant
from plenary_shared.errors import PROBLEM_JSON, Conflict, DomainError, Invalid
from plenary_shared.inputs import Line
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["accounts"])
# reachable without a token: the policy's public routes, which the access tests check
public_router = APIRouter(prefix="/v1/auth", tags=["accounts"])
PUBLIC_PATHS = tuple(sorted(route.split(" ", 1)[1] for route in POLICY.public))


class Unauthorized(DomainError):
    """Signing in failed."""

    status = 401
    title = "Unauthorized"


class InvitationCreate(BaseModel):
    """Whom to invite, and as what."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    role: Literal["focal_point", "participant", "organiser", "accreditation_desk"]
    delegation_id: UUID | None = None
    application_id: UUID | None = None
    language: Literal["en", "ru", "zh"] = "en"


class Link(BaseModel):
    """A one-time link (it is also e-mailed to its owner by the notification service)."""

    id: UUID
    url: str


class PasswordSet(BaseModel):
    """A link secret and the new password."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=200)
    password: str = Field(min_length=1, max_length=200)


class CodeGiven(BaseModel):
    """A link secret and the code e-mailed to the invited address."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=200)
    code: str = Field(min_length=6, max_length=12, description="the six digits from the e-mail")


class CodeSent(BaseModel):
    """The password is kept; a code is on its way to the invited address."""

    detail: str
    email_hint: str = Field(description="the invited address, partly hidden")


class ResetRequest(BaseModel):
    """The e-mail address of the account whose password was forgotten."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class Accepted(BaseModel):
    """A request taken on; what happens next is said in `detail`."""

    detail: str


class SignIn(BaseModel):
    """E-mail and password."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=1, max_length=200)


class Session(BaseModel):
    """A bearer token for the APIs (OAuth 2 token response shape)."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_in: int


class Me(BaseModel):
    """Who the token says the caller is."""

    subject: str
    role: str
    delegation_id: UUID | None


async def settings_of(request: Request) -> Settings:
    """The registration settings."""
    return request.app.state.runtime.settings


SettingsDep = Annotated[Settings, Depends(settings_of)]


@router.post("/invitations", status_code=status.HTTP_201_CREATED, response_model=Link)
async def invite(
    body: InvitationCreate,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("invitations.create")],
    settings: SettingsDep,
) -> Link:
    """Invite someone to the portal: the link is e-mailed, and answered here once."""
    role = Role(body.role)
    if role is Role.FOCAL_POINT and body.delegation_id is None:
        raise Invalid("a focal point invitation needs the delegation_id")
    if role is Role.PARTICIPANT and body.application_id is None:
        raise Invalid("a participant invitation needs the application_id")
    if earlier := await uow.earlier_result():
        raise Conflict(
            f"invitation {earlier} was already issued for this request; its link is shown only once, "
            f"so get a new one with POST /v1/invitations/{earlier}/link"
        )
    async with uow:
        invitation_id, token = await accounts.invite(
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
        await uow.commit()
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


class InvitationRead(BaseModel):
    """An invitation and its audit trail (never its link)."""

    id: UUID
    email: str
    role: str
    delegation_id: UUID | None
    application_id: UUID | None
    language: str
    status: Literal["pending", "accepted", "expired", "revoked"]
    expires_at: datetime
    created_by: str = Field(description="who invited")
    created_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None


def _invitation(row, now: datetime) -> InvitationRead:
    fields = {k: getattr(row, k) for k in InvitationRead.model_fields if k != "status"}
    return InvitationRead(**fields, status=accounts.invitation_status(row, now))


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
    rows, total = await accounts.list_invitations(
        rt.engine, email=email, status=status_, limit=page.limit, offset=page.offset
    )
    now = datetime.now(UTC)
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
    rows, _ = await accounts.list_invitations(
        rt.engine, email=None, status=None, limit=1, offset=0, invitation_id=invitation_id
    )
    return _invitation(rows[0], datetime.now(UTC))


@router.post("/accounts/{account_id}/password-reset-link", response_model=Link)
async def password_reset_link(
    account_id: UUID,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("accounts.reset_link")],
    settings: SettingsDep,
) -> Link:
    """A one-time password reset link for an account (helpdesk); earlier ones stop working."""
    async with uow:
        token = await accounts.reset_link(
            uow,
            account_id=account_id,
            actor=grant.principal.subject,
            hours=settings.password_reset_hours,
        )
    return Link(id=account_id, url=settings.links.url(accounts.RESET_PAGE, token))


class AccountRead(BaseModel):
    """A portal account (never its password hash)."""

    id: UUID
    email: str
    role: str
    delegation_id: UUID | None
    application_id: UUID | None
    created_at: datetime
    password_changed_at: datetime


@router.get("/accounts", response_model=Page[AccountRead])
async def list_accounts(
    rt: RuntimeDep,
    _: Annotated[Grant, POLICY.allows("accounts.list")],
    page: PageDep,
    email: Line | None = Query(None, max_length=320),
) -> Page[AccountRead]:
    """Portal accounts by e-mail address (helpdesk)."""
    rows, total = await accounts.list_accounts(
        rt.engine, email=email, limit=page.limit, offset=page.offset
    )
    items = [AccountRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/auth/me", response_model=Me)
async def me(grant: Annotated[Grant, POLICY.allows("auth.me")]) -> Me:
    """The caller, as its token describes it."""
    principal = grant.principal
    return Me(
        subject=principal.subject, role=principal.role.value, delegation_id=principal.delegation_id
    )


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
    async with rt.engine.begin() as conn:
        token = await accounts.session_of(
            conn, account_id, private_key=settings.jwt_private_key, hours=settings.session_hours
        )
    return Session(access_token=token, expires_in=int(settings.session_hours * 3600))


def client_of(request: Request, settings: Settings) -> str | None:
    """The caller's network address; behind a trusted proxy (the portal), the one it forwards."""
    return client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        settings.trusted_proxies.split(","),
    )


def _limits(settings: Settings, *, per_account: int, per_client: int) -> throttle.Limits:
    return throttle.Limits(
        account=settings.throttle_rule(per_account), client=settings.throttle_rule(per_client)
    )


TOO_MANY = {
    429: {
        "description": "too many attempts: wait the `Retry-After` seconds, also said in `detail`",
        "content": {PROBLEM_JSON: {}},
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
}


@public_router.post("/sessions", response_model=Session, responses=TOO_MANY)
async def sign_in(body: SignIn, request: Request, rt: RuntimeDep, settings: SettingsDep) -> Session:
    """Sign in with e-mail and password for a bearer token; repeated failures lock for a while."""
    limits = _limits(
        settings,
        per_account=settings.sign_in_failures_per_account,
        per_client=settings.sign_in_failures_per_client,
    )
    async with rt.unit_of_work() as uow:
        token = await accounts.sign_in(
            uow,
            email=body.email,
            password=body.password,
            client=client_of(request, settings),
            limits=limits,
            private_key=settings.jwt_private_key,
            hours=settings.session_hours,
        )
    if token is None:
        raise Unauthorized("the e-mail address or the password is wrong")
    return Session(access_token=token, expires_in=int(settings.session_hours * 3600))


@public_router.post(
    "/password-resets",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=TOO_MANY,
)
async def request_password_reset(
    body: ResetRequest, request: Request, rt: RuntimeDep, settings: SettingsDep
) -> Accepted:
    """Forgot the password: a reset link is e-mailed if the address has an account."""
    limits = _limits(
        settings,
        per_account=settings.password_resets_per_account,
        per_client=settings.password_resets_per_client,
    )
    async with rt.unit_of_work() as uow:
        await accounts.request_reset(
            uow,
            email=body.email,
            client=client_of(request, settings),
            limits=limits,
            links=settings.links,
            hours=settings.password_reset_hours,
            throttle_seconds=settings.password_reset_throttle_seconds,
        )
    return Accepted(
        detail="If this address has a portal account, a reset link is on its way to it; "
        f"it works once, for {settings.password_reset_hours:g} hours."
    )


@public_router.post("/password-resets/complete", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(body: PasswordSet, rt: RuntimeDep) -> None:
    """Choose a new password with a reset link."""
    async with rt.unit_of_work() as uow:
        await accounts.reset_password(uow, token=body.token, password=body.password)
