"""Seats given back (a withdrawn application, a revoked or refused accreditation) and handed
to the waiting list, first come first served."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import structlog

from plenary_shared.events.delegation import NominationAccepted
from plenary_shared.events.registration import (
    AccreditationRefused,
    AccreditationRevoked,
    ApplicationWithdrawn,
)

if TYPE_CHECKING:
    from plenary_delegation.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork
    from plenary_shared.envelope import CloudEvent

log = structlog.get_logger(__name__)


async def promote(uow: UnitOfWork[Repository], delegation_id: uuid.UUID) -> int:
    """Give free seats to the waiting list, first come first served; returns how many.

    Runs after a seat was released or a quota raised, in that transaction: the delegation row
    is already locked by it, so two seats freed at once promote two different nominees. A
    waiting nominee whose category is full is passed over for the next whose category has room.
    """
    promoted, full = 0, set()
    for waiting in await uow.repo.lock_waiting(delegation_id):
        if waiting.category in full:
            continue
        claim = await uow.repo.claim_seat(
            delegation_id=delegation_id,
            application_id=waiting.application_id,
            category=waiting.category,
        )
        if not claim.taken:
            if not claim.category_full:
                break  # the total is used up (or the delegation withdrew): nobody else fits
            full.add(waiting.category)
            continue
        await uow.repo.accept_promoted(waiting.application_id)
        await uow.emit(
            NominationAccepted(
                application_id=waiting.application_id,
                delegation_id=delegation_id,
                meeting_id=waiting.meeting_id,
                category=waiting.category,
                quota=claim.quota,
                used=claim.used,
                promoted=True,
            ),
            subject=str(waiting.application_id),
        )
        promoted += 1
    if promoted:
        log.info("promoted from the waiting list", delegation_id=str(delegation_id), count=promoted)
    return promoted


async def on_application_withdrawn(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Take a withdrawn nominee off the waiting list, or free its seat for the next in line."""
    withdrawn = ApplicationWithdrawn.model_validate(event.data)
    # off the list first: had a freed seat just been given to it, the seat is released below
    left = await uow.repo.leave_waiting_list(withdrawn.application_id)
    if left is not None:
        log.info("left the waiting list", application_id=str(withdrawn.application_id))
    await release(uow, withdrawn.application_id, reason="application_withdrawn")


async def on_accreditation_revoked(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Free the seat of a revoked accreditation's nomination, once, for the next in line."""
    revoked = AccreditationRevoked.model_validate(event.data)
    await release(uow, revoked.application_id, reason="accreditation_revoked")


async def on_accreditation_refused(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Free the seat of a nominee the accreditation desk refused, once, for the next in line."""
    refused = AccreditationRefused.model_validate(event.data)
    await release(uow, refused.application_id, reason="accreditation_refused")


async def release(uow: UnitOfWork[Repository], application_id: uuid.UUID, *, reason: str) -> None:
    """Release a seat if one is held and give it to the waiting list; a second release (or none
    held) changes nothing."""
    seat = await uow.repo.release_seat(application_id=application_id, reason=reason)
    log.info(
        "seat released" if seat else "no seat to release",
        application_id=str(application_id),
        reason=reason,
    )
    if seat is not None:
        await promote(uow, seat.delegation_id)
