"""HTTP route of the visa support letter (PDF), for the accreditation desk."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from plenary_registration.adapters import queries
from plenary_registration.adapters.letters import (
    VisaLetter,
    reference_for,
    render_visa_letter_pdf,
)
from plenary_registration.domain.model import State, ensure_letter_state
from plenary_registration.entrypoints.api.deps import CipherDep
from plenary_registration.entrypoints.api.policy import POLICY
from plenary_registration.service_layer.applications import record_visa_letter
from plenary_shared.auth import Principal
from plenary_shared.authz import Grant
from plenary_shared.errors import Gone, NotFound
from plenary_shared.owners import OwnerUnavailable, fetch_if_exists
from plenary_shared.runtime import RuntimeDep, ServiceRuntime

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/v1", tags=["letters"])


async def _ask(rt: ServiceRuntime, principal: Principal, url: str, owner: str) -> dict | None:
    """The owner's answer, or None when it does not know the id or cannot be reached."""
    try:
        return await fetch_if_exists(rt.http, url=url, token=principal.token, owner=owner)
    except OwnerUnavailable:
        log.warning("owner unavailable for the visa letter; printing what is known", owner=owner)
        return None


@router.get(
    "/applications/{application_id}/visa-letter.pdf",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "an A4 letter",
        },
        403: {"description": "not the accreditation desk"},
        409: {"description": "not nominated or accredited; `current_state` says what it is"},
        410: {"description": "the document data was purged after the meeting"},
    },
)
async def get_visa_letter(
    application_id: UUID,
    rt: RuntimeDep,
    grant: Annotated[Grant, POLICY.allows("applications.documents")],
    cipher: CipherDep,
) -> Response:
    """A visa support letter for a consular section, on the organiser's letterhead.

    Issued once the participant is nominated (or accredited). It states the passport number,
    its expiry and the date of birth, so only the accreditation desk may download it; each
    download is recorded in the application's history with the letter's reference number.
    """
    principal = grant.principal
    async with rt.engine.connect() as conn:
        row = await queries.get_application(conn, application_id)
        if row is None or not grant.reaches(row.delegation_id):
            raise NotFound(f"application {application_id} does not exist")
        meeting = await queries.get_meeting(conn, row.meeting_id)
        delegation = await queries.delegation_name(conn, row.delegation_id)
    ensure_letter_state(State(row.state))
    if row.documents_purged_at is not None:
        raise Gone(
            f"the document data was purged on {row.documents_purged_at:%Y-%m-%d} after the "
            "meeting, so no visa support letter can be issued"
        )

    settings = rt.settings
    scheduled = await _ask(
        rt, principal, f"{settings.scheduling_url}/v1/meetings/{row.meeting_id}", "scheduling"
    )
    if delegation is None:
        owner = await _ask(
            rt,
            principal,
            f"{settings.delegation_url}/v1/delegations/{row.delegation_id}",
            "delegation",
        )
        delegation = owner["name"] if owner else None
    title = meeting.title if meeting is not None else (scheduled or {}).get("title")
    ends_on = meeting.ends_on if meeting is not None else None
    if scheduled is not None:
        ends_on = date.fromisoformat(scheduled["ends_on"])
    expiry = row.passport_expiry_enc
    native = " ".join(n for n in (row.given_name_native, row.family_name_native) if n)
    reference = reference_for(row.id)
    letter = VisaLetter(
        reference=reference,
        issued_on=datetime.now(UTC).date(),
        letterhead=settings.letterhead,
        signatory=settings.letter_signatory,
        given_name=row.given_name,
        family_name=row.family_name,
        native_name=native or None,
        nationality=row.nationality,
        passport_number=cipher.decrypt(row.passport_number_enc),
        passport_expiry=date.fromisoformat(cipher.decrypt(expiry)) if expiry else None,
        date_of_birth=date.fromisoformat(cipher.decrypt(row.date_of_birth_enc)),
        position=row.position,
        delegation=delegation or "its delegation",
        meeting_title=title or "the meeting",
        city=scheduled["city"] if scheduled else None,
        starts_on=date.fromisoformat(scheduled["starts_on"]) if scheduled else None,
        ends_on=ends_on,
        accredited=row.state == State.ACCREDITED,
    )
    pdf = await run_in_threadpool(render_visa_letter_pdf, letter)

    # the issue is part of the audit trail, recorded only if the state still allows a letter
    async with rt.unit_of_work() as uow:
        await record_visa_letter(
            uow, application_id=application_id, reference=reference, actor=principal.subject
        )
    log.info(
        "visa support letter issued",
        application_id=str(application_id),
        reference=reference,
        actor=principal.subject,
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="visa-letter-{reference}.pdf"',
            "Cache-Control": "no-store",
        },
    )
