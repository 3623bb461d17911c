"""The delegation's answers to nominations (accepted, waitlisted, rejected) and a delegation's
withdrawal, as they arrive as events; batches of answers move in one statement."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import structlog

from plenary_registration.domain.model import FINAL, State, answer_applies, sources, transition
from plenary_registration.service_layer.applications import move, participant, withdraw_row
from plenary_shared.envelope import CloudEvent
from plenary_shared.events import EventPayload
from plenary_shared.events.delegation import (
    DelegationWithdrawn,
    NominationAccepted,
    NominationRejected,
    NominationWaitlisted,
)
from plenary_shared.events.registration import (
    ApplicationNominated,
    ApplicationRejected,
    ApplicationWaitlisted,
)

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

log = structlog.get_logger(__name__)

SYSTEM = "system:delegation"


async def on_delegation_withdrawn(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """A delegation withdrew: every application of it that is not final is withdrawn."""
    withdrawn = DelegationWithdrawn.model_validate(event.data)
    reason = f"delegation withdrawn: {withdrawn.reason}"
    for row in await uow.repo.open_applications(withdrawn.delegation_id, exclude=FINAL):
        await withdraw_row(uow, row, reason=reason, actor="system:delegation")


async def on_nomination_accepted(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """The delegation accepted: the application is nominated (unless withdrawn meanwhile)."""
    await on_nominations_accepted(uow, [event])


async def on_nominations_accepted(uow: UnitOfWork[Repository], events: list[CloudEvent]) -> None:
    """Acceptances of distinct applications, moved in one statement."""
    accepted = [NominationAccepted.model_validate(e.data) for e in events]
    await _answered(
        uow,
        events,
        accepted,
        ["promoted from the waiting list" if a.promoted else None for a in accepted],
        State.NOMINATED,
        lambda row, a: ApplicationNominated(**participant(row), promoted=a.promoted),
    )


async def on_nomination_waitlisted(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """The quota was full: the application waits on the delegation's list for a seat."""
    await on_nominations_waitlisted(uow, [event])


async def on_nominations_waitlisted(uow: UnitOfWork[Repository], events: list[CloudEvent]) -> None:
    """Applications put on waiting lists, moved in one statement."""
    waiting = [NominationWaitlisted.model_validate(e.data) for e in events]
    await _answered(
        uow,
        events,
        waiting,
        [f"waiting list position {w.position}" for w in waiting],
        State.WAITLISTED,
        lambda row, w: ApplicationWaitlisted(**participant(row), position=w.position),
    )


async def on_nomination_rejected(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """The delegation rejected: the application is rejected with its reason."""
    await on_nominations_rejected(uow, [event])


async def on_nominations_rejected(uow: UnitOfWork[Repository], events: list[CloudEvent]) -> None:
    """Rejections of distinct applications, moved in one statement."""
    rejected = [NominationRejected.model_validate(e.data) for e in events]
    await _answered(
        uow,
        events,
        rejected,
        [r.reason for r in rejected],
        State.REJECTED,
        lambda row, r: ApplicationRejected(**participant(row), reason=r.reason),
    )


async def _answered(
    uow: UnitOfWork[Repository],
    events: list[CloudEvent],
    answers: list,
    reasons: list[str | None],
    target: State,
    announce: Callable[[Any, Any], EventPayload],
) -> None:
    """Each answered application (distinct) moved to `target` and announced, unless the answer
    no longer applies. The usual case is one statement for all; an application not awaiting its
    answer is read to tell why."""
    moved = await uow.repo.move_many(
        [(a.application_id, a.category, why) for a, why in zip(answers, reasons, strict=True)],
        sources=sorted(s.value for s in sources(target)),
        new=target.value,
        actor=SYSTEM,
    )
    by_id = {row.id: row for row in moved}
    for event, answer, why in zip(events, answers, reasons, strict=True):
        row = by_id.get(answer.application_id)
        if row is None:
            row = await _application_for_decision(uow, answer.application_id, answer.category)
            if row is None:
                continue
            await move(uow, row, transition(State(row.state), target), SYSTEM, why)
        uow.caused_by(event)
        await uow.emit(announce(row, answer), subject=str(row.id))


async def _application_for_decision(
    uow: UnitOfWork[Repository], application_id: uuid.UUID, category: str
):
    """The application awaiting this answer; None when the answer no longer applies."""
    row = await uow.repo.application(application_id, for_update=True)
    if row is None:
        raise LookupError(f"application {application_id} does not exist here")
    if not answer_applies(State(row.state), row.category, answered_category=category):
        log.info("stale nomination decision ignored", application_id=str(application_id))
        return None
    return row
