"""Check-in: a scanned badge is admitted or denied at a checkpoint, on the current state."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import structlog

from plenary_registration.adapters.badges import BadgeClaims, BadgeVerifier, InvalidBadgeToken
from plenary_registration.domain.badges import (
    CheckinOutcome,
    Reason,
    admission,
    scan_digest,
    scan_lock_key,
)
from plenary_shared.events.registration import ParticipantCheckedIn

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

log = structlog.get_logger(__name__)


async def check_in(
    uow: UnitOfWork[Repository],
    *,
    code: str,
    zone: str,
    checkpoint: str,
    verifier: BadgeVerifier,
) -> CheckinOutcome:
    """Decide a scan on the current state, record it, and publish an admission.

    A repeated scan is one that names the same badge (or, for a code that is no authentic
    token, the same code) at the same zone and checkpoint within 60 seconds of the last
    recorded one. It gets the recorded answer back and is neither recorded nor published
    again, provided the answer would still be the same; if the state changed meanwhile (the
    accreditation was revoked, say), the new answer is recorded, and published if admitted.

    Why a sliding window under a lock rather than a unique key per minute bucket: a bucket
    splits two scans a second apart across its boundary into two admissions, while the window
    is exact. The scan's identity is the badge, not the code's text, because a badge has
    exactly one authentic token and the holder is the same person whatever a scanner
    re-encodes. A transaction-scoped advisory lock on sha256(identity|zone|checkpoint)
    serialises concurrent twins: the second waits for the first to commit and then finds it.
    checkins.scan_key is that digest followed by the check-in id: unique per record, and its
    first 64 characters find the window's earlier scans.
    """
    try:
        claims: BadgeClaims | None = verifier.verify(code)
    except InvalidBadgeToken:
        claims = None
    digest = scan_digest(claims.badge_id if claims else None, code, zone, checkpoint)
    repo = uow.repo
    await repo.lock_scan(scan_lock_key(digest))

    badge = application = None
    if claims is not None:
        badge = await repo.badge(claims.badge_id)
        if badge is not None:
            application = await repo.application(badge.application_id)
    reason = admission(
        authentic=claims is not None,
        badge_status=badge.status if badge is not None else None,
        application_state=application.state if application is not None else None,
        badge_zones=tuple(badge.zones) if badge is not None else (),
        zone=zone,
    )
    allowed = reason is Reason.ADMITTED
    delegation = (
        await repo.delegation_name(application.delegation_id) if application is not None else None
    )
    known = {
        "badge_number": badge.badge_number if badge is not None else None,
        "given_name": application.given_name if application is not None else None,
        "family_name": application.family_name if application is not None else None,
        "delegation": delegation,
        "category": badge.category if badge is not None else None,
        "colour": badge.colour if badge is not None else None,
    }
    application_id = badge.application_id if badge is not None else None

    earlier = await repo.recent_scan(digest, application_id)
    if earlier is not None and (earlier.allowed, earlier.reason) == (allowed, reason.value):
        await uow.commit()
        return CheckinOutcome(
            checkin_id=earlier.id,
            allowed=earlier.allowed,
            reason=Reason(earlier.reason),
            zone=zone,
            checkpoint=checkpoint,
            scanned_at=earlier.scanned_at,
            repeat=True,
            **known,
        )

    checkin_id = uuid.uuid4()
    scanned_at = await repo.add_checkin(
        id=checkin_id,
        scan_key=f"{digest}:{checkin_id.hex}",
        badge_id=claims.badge_id if claims else None,
        application_id=application_id,
        meeting_id=badge.meeting_id if badge is not None else None,
        zone=zone,
        checkpoint=checkpoint,
        allowed=allowed,
        reason=reason.value,
    )
    if allowed:
        assert badge is not None and application is not None
        await uow.emit(
            ParticipantCheckedIn(
                checkin_id=checkin_id,
                application_id=badge.application_id,
                meeting_id=badge.meeting_id,
                delegation_id=badge.delegation_id,
                badge_number=badge.badge_number,
                zone=zone,
                checkpoint=checkpoint,
            ),
            subject=str(badge.application_id),
        )
    await uow.commit()
    log.info("badge scanned", zone=zone, checkpoint=checkpoint, reason=reason.value)
    return CheckinOutcome(
        checkin_id=checkin_id,
        allowed=allowed,
        reason=reason,
        zone=zone,
        checkpoint=checkpoint,
        scanned_at=scanned_at,
        repeat=False,
        **known,
    )
