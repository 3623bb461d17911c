"""HTTP routes of e-mail: the log of sent mail, people's preferences, digests on demand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from plenary_notification.adapters import queries
from plenary_notification.domain.commands import PreferenceUpdate
from plenary_notification.entrypoints.api.policy import POLICY
from plenary_notification.entrypoints.api.schemas import DigestsQueued, EmailRead, PreferenceRead
from plenary_notification.service_layer import emails
from plenary_shared.api import Page, PageDep
from plenary_shared.authz import Grant
from plenary_shared.errors import Forbidden
from plenary_shared.inputs import Line
from plenary_shared.runtime import RuntimeDep, UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["e-mail"])

Status = Literal["pending", "held", "batched", "sent", "failed", "digested", "combined"]


@router.get("/emails", response_model=Page[EmailRead])
async def list_emails(
    rt: RuntimeDep,
    _: Annotated[Grant, POLICY.allows("emails.list")],
    page: PageDep,
    recipient: Line | None = Query(None, max_length=320),
    status: Status | None = None,
    kind: Line | None = Query(None, max_length=60),
) -> Page[EmailRead]:
    """The e-mail log, newest first: by recipient, status or kind (invitation, decision, ...)."""
    async with rt.engine.connect() as conn:
        rows, total = await queries.list_emails(
            conn,
            recipient=recipient,
            status=status,
            kind=kind,
            limit=page.limit,
            offset=page.offset,
        )
    items = [EmailRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/email-preferences/me", response_model=PreferenceRead)
async def my_preference(
    rt: RuntimeDep, grant: Annotated[Grant, POLICY.allows("email_preferences.read")]
) -> PreferenceRead:
    """The caller's choice: an e-mail per decision, or a daily digest."""
    email = _focal_point_email(grant)
    async with rt.engine.connect() as conn:
        chosen = await queries.preference_of(conn, email=email)
    return PreferenceRead(email=email, decisions=chosen)


@router.put("/email-preferences/me", response_model=PreferenceRead)
async def set_my_preference(
    body: PreferenceUpdate,
    uow: UnitOfWorkDep,
    grant: Annotated[Grant, POLICY.allows("email_preferences.update")],
) -> PreferenceRead:
    """Choose an e-mail per nomination decision, or one daily digest of them."""
    email = _focal_point_email(grant)
    if not await uow.earlier_result():
        async with uow:
            await emails.set_preference(uow, email=email, decisions=body.decisions)
    return PreferenceRead(email=email, decisions=body.decisions)


@router.post("/digests", response_model=DigestsQueued)
async def send_digests_now(
    rt: RuntimeDep, _: Annotated[Grant, POLICY.allows("digests.send")]
) -> DigestsQueued:
    """Send every held digest now instead of at the daily hour (for instance before a deadline)."""
    async with rt.unit_of_work() as uow:
        queued = await emails.send_digests(
            uow, before=datetime.now(UTC), on_queued=rt.state.mail_wake.set
        )
    return DigestsQueued(queued=queued)


def _focal_point_email(grant: Grant) -> str:
    if "@" not in grant.principal.subject:
        raise Forbidden("e-mail preferences belong to focal points signed in to the portal")
    return grant.principal.subject
