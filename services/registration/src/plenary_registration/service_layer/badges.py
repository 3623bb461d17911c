"""Badges: issued on accreditation, re-issued when lost, voided with the accreditation.

The rules (colour and zones per category, the badge number, who is admitted) are
`domain.badges`; a scan at a checkpoint is `check_in`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from plenary_registration.domain.badges import (
    BadgeStatus,
    VoidReason,
    colour_for,
    ensure_reissuable,
    zones_for,
)
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import NotFound
from plenary_shared.events.registration import AccreditationGranted, BadgeIssued, BadgeVoided

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

log = structlog.get_logger(__name__)


async def on_accreditation_granted(
    uow: UnitOfWork[Repository], event: CloudEvent, *, prefix: str
) -> None:
    """Issue the badge of a newly accredited participant (never a second active one)."""
    granted = AccreditationGranted.model_validate(event.data)
    row = await uow.repo.application(granted.application_id, for_update=True)
    if row is None:
        log.warning("no application for a granted accreditation", event_id=event.id)
        return
    if row.state != "accredited":
        log.info("no badge: the application left accredited", application_id=str(row.id))
        return
    if await uow.repo.active_badge(row.id) is not None:
        return
    await _issue(uow, row, prefix=prefix, replaces=None)


async def reissue_badge(
    uow: UnitOfWork[Repository], *, application_id: uuid.UUID, prefix: str
) -> Any:
    """A lost badge: void the active one and issue a new number and token."""
    row = await uow.repo.application(application_id, for_update=True)
    if row is None:
        raise NotFound(f"application {application_id} does not exist")
    ensure_reissuable(row.state)
    old = await uow.repo.active_badge(application_id)
    if old is not None:
        await uow.repo.void_replaced_badge(old.id, now=datetime.now(UTC))
    badge = await _issue(uow, row, prefix=prefix, replaces=old.id if old else None)
    await uow.commit()
    return badge


async def void_badges(
    uow: UnitOfWork[Repository], *, application_id: uuid.UUID, reason: VoidReason
) -> int:
    """Void an application's active badges with the holder's accreditation, and say so; how many.

    Runs in the transaction that revokes or withdraws, so the badge never outlives it; a second
    call finds nothing active and does nothing.
    """
    voided = await uow.repo.void_active_badges(application_id, reason)
    for badge in voided:
        await uow.emit(
            BadgeVoided(
                badge_id=badge.id,
                application_id=badge.application_id,
                meeting_id=badge.meeting_id,
                delegation_id=badge.delegation_id,
                badge_number=badge.badge_number,
                reason=reason.value,
                voided_at=badge.voided_at,
            ),
            subject=str(badge.application_id),
        )
    return len(voided)


async def _issue(
    uow: UnitOfWork[Repository], row: Any, *, prefix: str, replaces: uuid.UUID | None
) -> Any:
    number = await uow.repo.next_badge_number(row.meeting_id, prefix)
    badge_id = uuid.uuid4()
    zones = list(zones_for(row.category))
    await uow.repo.add_badge(
        id=badge_id,
        application_id=row.id,
        meeting_id=row.meeting_id,
        delegation_id=row.delegation_id,
        badge_number=number,
        category=row.category,
        colour=colour_for(row.category),
        zones=zones,
        status=BadgeStatus.ACTIVE.value,
        replaces=replaces,
        # whole seconds: the token carries issued-at in Unix seconds
        issued_at=datetime.now(UTC).replace(microsecond=0),
    )
    await uow.emit(
        BadgeIssued(
            badge_id=badge_id,
            application_id=row.id,
            meeting_id=row.meeting_id,
            delegation_id=row.delegation_id,
            badge_number=number,
            category=row.category,
            zones=zones,
            replaces=replaces,
        ),
        subject=str(row.id),
    )
    return await uow.repo.badge(badge_id)
