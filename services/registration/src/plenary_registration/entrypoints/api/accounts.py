"""HTTP routes of portal accounts: signing in, password resets, the account list (helpdesk),
and who the caller is; invitations are `invitations`, included here."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, status

from plenary_registration.adapters import queries
from plenary_registration.config import Settings
from plenary_registration.domain.commands import PasswordSet, ResetRequest, SignIn
from plenary_registration.domain.throttle import client_address
from plenary_registration.entrypoints.api import invitations
from plenary_registration.entrypoints.api.deps import SettingsDep
from plenary_registration.entrypoints.api.policy import POLICY
from plenary_registration.entrypoints.api.schemas import Accepted, AccountRead, Link, Me, Session
from plenary_registration.service_layer import sign_in as signing_in
from plenary_registration.service_layer import throttle
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import PROBLEM_JSON, DomainError
from plenary_shared.inputs import Line
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["accounts"])
# reachable without a token: the policy's public routes, which the access tests check
public_router = APIRouter(prefix="/v1/auth", tags=["accounts"])
PUBLIC_PATHS = tuple(sorted(route.split(" ", 1)[1] for route in POLICY.public))
# the invitation routes come first, as they always have in the API document
router.include_router(invitations.router)
public_router.include_router(invitations.public_router)


class Unauthorized(DomainError):
    """Signing in failed."""

    status = 401
    title = "Unauthorized"


@router.post("/accounts/{account_id}/password-reset-link", response_model=Link)
async def password_reset_link(
    account_id: UUID,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("accounts.reset_link")],
    settings: SettingsDep,
) -> Link:
    """A one-time password reset link for an account (helpdesk); earlier ones stop working."""
    async with uow:
        token = await signing_in.reset_link(
            uow,
            account_id=account_id,
            actor=grant.principal.subject,
            hours=settings.password_reset_hours,
        )
    return Link(id=account_id, url=settings.links.url(signing_in.RESET_PAGE, token))


@router.get("/accounts", response_model=Page[AccountRead])
async def list_accounts(
    rt: RuntimeDep,
    _: Annotated[Grant, POLICY.allows("accounts.list")],
    page: PageDep,
    email: Line | None = Query(None, max_length=320),
) -> Page[AccountRead]:
    """Portal accounts by e-mail address (helpdesk)."""
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_accounts(
            conn, email=email, limit=page.limit, offset=page.offset
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


TOO_MANY: dict[int | str, dict[str, Any]] = {
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
        token = await signing_in.sign_in(
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
        await signing_in.request_reset(
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
        await signing_in.reset_password(uow, token=body.token, password=body.password)
