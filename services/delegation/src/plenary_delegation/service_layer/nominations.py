"""Nominations: each decided against its delegation's quotas (accepted, waitlisted or
rejected), a run of them decided together, and decided again when a nominee changes category."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from prometheus_client import Counter

from plenary_delegation.domain.model import Decision, QuotaOutcome, accept_in_turn, decide
from plenary_delegation.service_layer.seats import promote
from plenary_shared.consumer import NotYetKnown
from plenary_shared.events import EventPayload
from plenary_shared.events.delegation import (
    NominationAccepted,
    NominationRejected,
    NominationWaitlisted,
)
from plenary_shared.events.registration import ApplicationRecategorised, ApplicationSubmitted

if TYPE_CHECKING:
    from plenary_delegation.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork
    from plenary_shared.envelope import CloudEvent

log = structlog.get_logger(__name__)
DECIDED_TOGETHER = Counter(
    "plenary_delegation_nominations_decided_together",
    "Nominations accepted with others of a run in one set of statements (a catch-up, a burst)",
)

# fewer nominations than this are decided one by one (two statements each; together, five)
MIN_TOGETHER = 4


async def on_application_submitted(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Decide a nomination against the delegation's total and category quotas, atomically.

    A rejection carries the quota and use of the limit that refused it (the category's when
    the category was full, else the total).
    """
    submitted = ApplicationSubmitted.model_validate(event.data)
    await decide_nomination(uow, submitted, waitlist=submitted.waitlist)


async def on_applications_submitted(uow: UnitOfWork[Repository], events: list[CloudEvent]) -> None:
    """Nominations of distinct applications, decided in turn as one by one would: those that
    fit in turn (checked with their delegations locked) are accepted together in a few
    statements; from the first that does not, each is decided on its own."""
    submitted = [ApplicationSubmitted.model_validate(event.data) for event in events]
    outcomes = await _accepted_in_turn(uow, submitted) if len(events) >= MIN_TOGETHER else []
    together = len(outcomes) if len(outcomes) >= MIN_TOGETHER else 0
    if together:
        accepted = submitted[:together]
        await uow.repo.take_seats(
            [(s.application_id, s.delegation_id, s.category) for s in accepted]
        )
        await uow.repo.record_acceptances(
            [
                (s.application_id, s.delegation_id, s.meeting_id, s.category, s.waitlist)
                for s in accepted
            ],
        )
        uow.after_commit(lambda: DECIDED_TOGETHER.inc(together))
        for event, nomination, outcome in zip(events[:together], accepted, outcomes, strict=True):
            uow.caused_by(event)
            await uow.emit(
                NominationAccepted(
                    application_id=nomination.application_id,
                    delegation_id=nomination.delegation_id,
                    meeting_id=nomination.meeting_id,
                    category=nomination.category,
                    quota=outcome.quota,
                    used=outcome.used,
                ),
                subject=str(nomination.application_id),
            )
    for event, nomination in zip(events[together:], submitted[together:], strict=True):
        uow.caused_by(event)
        await decide_nomination(uow, nomination, waitlist=nomination.waitlist)


async def _accepted_in_turn(uow: UnitOfWork[Repository], submitted: list) -> list[QuotaOutcome]:
    """The outcomes of the nominations that fit in turn, up to the first that does not or
    that was decided (or seated) already."""
    standing, categories = await uow.repo.standing_of(s.delegation_id for s in submitted)
    outcomes = accept_in_turn(
        [(s.delegation_id, s.meeting_id, s.category) for s in submitted], standing, categories
    )
    known = await uow.repo.decided_or_seated([s.application_id for s in submitted[: len(outcomes)]])
    for position, nomination in enumerate(submitted[: len(outcomes)]):
        if nomination.application_id in known:
            return outcomes[:position]
    return outcomes


async def on_application_recategorised(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """A nominee changed category: its seat (or place in line) is given up and the quota decided
    again at once, with the focal point's first choice about the waiting list."""
    changed = ApplicationRecategorised.model_validate(event.data)
    released = await uow.repo.release_seat(
        application_id=changed.application_id, reason="recategorised"
    )
    earlier = await uow.repo.forget_nomination(changed.application_id)
    await decide_nomination(uow, changed, waitlist=earlier.waitlist if earlier else None)
    if released is not None:
        await promote(uow, released.delegation_id)


async def decide_nomination(
    uow: UnitOfWork[Repository], submitted, *, waitlist: bool | None
) -> None:
    """Claim a seat for one nomination and record and announce how it was decided."""
    claimed = await uow.repo.claim_nomination_seat(
        delegation_id=submitted.delegation_id,
        meeting_id=submitted.meeting_id,
        application_id=submitted.application_id,
        category=submitted.category,
    )
    if claimed is not None:
        delegation, claim = claimed
    else:  # nothing was claimed: find out why
        deciding = await uow.repo.delegation_deciding(
            submitted.delegation_id, submitted.application_id
        )
        if deciding is None:
            raise NotYetKnown(f"delegation {submitted.delegation_id} is not known yet")
        if deciding.decided:
            log.info("nomination already decided", application_id=str(submitted.application_id))
            return
        delegation = deciding
        claim = None
        if delegation.meeting_id == submitted.meeting_id:
            claim = await uow.repo.claim_seat(
                delegation_id=delegation.id,
                application_id=submitted.application_id,
                category=submitted.category,
            )
    if claim is None:
        outcome = QuotaOutcome(
            Decision.REJECTED, "wrong_meeting", delegation.quota, delegation.quota_used
        )
    else:
        outcome = decide(
            took_seat=claim.taken,
            withdrawn=claim.withdrawn,
            quota=claim.quota,
            used=claim.used,
            waitlist=delegation.waitlist_by_default if waitlist is None else waitlist,
        )
    waiting = outcome.decision is Decision.WAITLISTED
    await uow.repo.record_nomination(
        application_id=submitted.application_id,
        delegation_id=delegation.id,
        meeting_id=submitted.meeting_id,
        category=submitted.category,
        decision=outcome.decision.value,
        reason=outcome.reason,
        waitlist=waitlist,
        waiting=waiting,
    )
    common = {
        "application_id": submitted.application_id,
        "delegation_id": delegation.id,
        "meeting_id": submitted.meeting_id,
        "category": submitted.category,
        "quota": outcome.quota,
        "used": outcome.used,
    }
    payload: EventPayload
    if outcome.decision is Decision.ACCEPTED:
        payload = NominationAccepted(**common)
    elif waiting:
        position = await uow.repo.position_in_line(submitted.application_id)
        payload = NominationWaitlisted(**common, position=position or 1)
    else:
        payload = NominationRejected(**common, reason=outcome.reason)
    await uow.emit(payload, subject=str(submitted.application_id))
