"""HTTP routes of badges and check-ins."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from plenary_registration.adapters import queries
from plenary_registration.adapters.badges import (
    BadgeCard,
    BadgeSigner,
    BadgeVerifier,
    claims_of,
    render_badge_pdf,
)
from plenary_registration.domain.commands import CheckinCreate
from plenary_registration.entrypoints.api.deps import state_of
from plenary_registration.entrypoints.api.policy import POLICY, sees
from plenary_registration.entrypoints.api.schemas import BadgeRead, CheckinRead
from plenary_registration.service_layer import badges
from plenary_registration.service_layer import check_in as checking_in
from plenary_shared.authz import Grant
from plenary_shared.errors import Conflict, DomainError, NotFound
from plenary_shared.owners import fetch_if_exists
from plenary_shared.runtime import RuntimeDep, ServiceRuntime, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["badges"])


class BadgeKeyMissing(DomainError):
    """The service has no badge signing key."""

    status = 503
    title = "Service unavailable"


async def get_signer(request: Request) -> BadgeSigner:
    """The badge signer, built once from REGISTRATION_BADGE_KEY(_FILE)."""
    rt: ServiceRuntime = request.app.state.runtime
    state = state_of(request)
    signer = state.badge_signer
    if signer is None:
        try:
            signer = BadgeSigner(rt.settings.badge_key)
        except ValueError as exc:
            raise BadgeKeyMissing(
                "badges cannot be signed: this service has no usable badge key "
                "(REGISTRATION_BADGE_KEY_FILE)"
            ) from exc
        state.badge_signer = signer
        state.badge_verifier = signer.verifier()
    return signer


async def get_verifier(request: Request, signer: Annotated[BadgeSigner, Depends(get_signer)]):
    """The badge verifier (the signer's public key)."""
    return state_of(request).badge_verifier


SignerDep = Annotated[BadgeSigner, Depends(get_signer)]
VerifierDep = Annotated[BadgeVerifier, Depends(get_verifier)]


def _read(badge, signer: BadgeSigner) -> BadgeRead:
    return BadgeRead(
        **{k: getattr(badge, k) for k in BadgeRead.model_fields if k != "qr_token"},
        qr_token=signer.sign(claims_of(badge)),
    )


async def _visible(rt: ServiceRuntime, application_id: UUID, grant: Grant):
    async with rt.engine.connect() as conn:
        row = await queries.get_application(conn, application_id)
    if row is None or not sees(grant, row):
        raise NotFound(f"application {application_id} does not exist")
    return row


@router.get("/applications/{application_id}/badge", response_model=BadgeRead)
async def get_badge(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("badges.read")],
    signer: SignerDep,
) -> BadgeRead:
    """The application's badge (the active one, else the latest) with its QR token."""
    await _visible(rt, application_id, grant)
    async with rt.engine.connect() as conn:
        badge = await queries.latest_badge(conn, application_id)
    if badge is None:
        raise NotFound(
            f"no badge has been issued for application {application_id} yet; badges are "
            "issued shortly after accreditation is granted"
        )
    return _read(badge, signer)


@router.get(
    "/applications/{application_id}/badge.pdf",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "an A6 badge",
        }
    },
)
async def get_badge_pdf(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("badges.read")],
    signer: SignerDep,
) -> Response:
    """The printable A6 badge of an accredited participant."""
    row = await _visible(rt, application_id, grant)
    async with rt.engine.connect() as conn:
        badge = await queries.active_badge(conn, application_id)
        delegation = await queries.delegation_name(conn, row.delegation_id)
        title = await queries.meeting_title(conn, row.meeting_id)
    if row.state != "accredited":
        raise Conflict(
            f"the application is {row.state}; only an accredited participant's badge is printed",
            current_state=row.state,
        )
    if badge is None:
        raise NotFound(f"application {application_id} has no active badge yet")
    meeting_line = None
    if title is None:
        meeting = await fetch_if_exists(
            rt.http,
            url=f"{rt.settings.scheduling_url}/v1/meetings/{row.meeting_id}",
            token=grant.principal.token,
            owner="scheduling",
        )
        if meeting is not None:
            title = meeting["title"]
            meeting_line = f"{meeting['city']} · {meeting['starts_on']} to {meeting['ends_on']}"
    native = " ".join(n for n in (row.given_name_native, row.family_name_native) if n)
    card = BadgeCard(
        meeting_title=title or "Plenary",
        meeting_line=meeting_line,
        given_name=row.given_name,
        family_name=row.family_name,
        native_name=native or None,
        delegation=delegation or "",
        category=badge.category,
        colour=badge.colour,
        badge_number=badge.badge_number,
        zones=tuple(badge.zones),
        token=signer.sign(claims_of(badge)),
    )
    pdf = await run_in_threadpool(render_badge_pdf, card)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="badge-{badge.badge_number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/applications/{application_id}/badge/reissue",
    status_code=status.HTTP_201_CREATED,
    response_model=BadgeRead,
)
async def reissue_badge(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("badges.reissue")],
    signer: SignerDep,
    uow: UnitOfWorkDep,
    response: Response,
) -> BadgeRead:
    """A lost badge: the old one is void from now on, a new number and token are issued."""
    response.headers["Location"] = f"/v1/applications/{application_id}/badge"
    if await uow.earlier_result():
        return await get_badge(application_id, rt, grant, signer)
    async with uow:
        badge = await badges.reissue_badge(
            uow, application_id=application_id, prefix=rt.settings.badge_number_prefix
        )
    return _read(badge, signer)


@router.post("/checkins", response_model=CheckinRead)
async def check_in(
    body: CheckinCreate,
    request: Request,
    rt: RuntimeDep,
    _: Annotated[Grant, POLICY.allows("checkins.create")],
    verifier: VerifierDep,
) -> CheckinRead:
    """Checkpoint staff scan a badge: admitted or denied with a reason, on the current state.

    A scanner's retry is the same scan, so repeats are absorbed by the 60-second window of
    the same badge, zone and checkpoint rather than by an Idempotency-Key.
    """
    uow = rt.unit_of_work(correlation_id=request.headers.get("x-correlation-id"))
    async with uow:
        outcome = await checking_in.check_in(
            uow,
            code=body.code,
            zone=body.zone.value,
            checkpoint=body.checkpoint,
            verifier=verifier,
        )
    return CheckinRead.model_validate(outcome, from_attributes=True)


@router.get(
    "/badges/public-key",
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/x-pem-file": {"schema": {"type": "string"}}}}},
)
async def badge_public_key(
    _: Annotated[Grant, POLICY.allows("badges.public_key")], signer: SignerDep
) -> PlainTextResponse:
    """The Ed25519 public key (PEM) with which scanners verify badge tokens offline."""
    return PlainTextResponse(signer.public_key_pem, media_type="application/x-pem-file")
