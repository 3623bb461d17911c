"""Scheduling's reactions to other services' events: one function per consumed event type."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from plenary_scheduling.domain.model import OPEN_BILATERAL, BilateralStatus, SessionStatus
from plenary_scheduling.service_layer import waiting
from plenary_scheduling.service_layer.bilaterals import bilateral_facts
from plenary_scheduling.service_layer.facts import announce_removals, facts_of
from plenary_shared.consumer import NotYetKnown
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.events.delegation import (
    DelegationRegistered,
    DelegationWithdrawn,
    QuotasChanged,
)
from plenary_shared.events.registration import (
    AccreditationGranted,
    AccreditationRevoked,
    ApplicationWithdrawn,
)
from plenary_shared.events.scheduling import BilateralDeclined, SessionCancelled, SessionUpdated

if TYPE_CHECKING:
    from plenary_scheduling.adapters.repository import Repository


async def on_accreditation_granted(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Record the accredited participant, with the token of their personal calendar."""
    await on_accreditations_granted(uow, [event])


async def on_accreditations_granted(uow: UnitOfWork[Repository], events: list[CloudEvent]) -> None:
    """Record accredited participants, one statement for all (a granted again is updated, its
    calendar token kept)."""
    rows = []
    for event in events:
        granted = AccreditationGranted.model_validate(event.data)
        rows.append(
            {
                "application_id": granted.application_id,
                "calendar_token": secrets.token_urlsafe(32),
                "meeting_id": granted.meeting_id,
                "delegation_id": granted.delegation_id,
                "given_name": granted.given_name,
                "family_name": granted.family_name,
                "category": granted.category,
                "accredited_at": event.time,
                "status": "accredited",
            }
        )
    await uow.repo.record_participants(rows)


async def on_accreditation_revoked(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """A revoked participant leaves every session."""
    revoked = AccreditationRevoked.model_validate(event.data)
    await _leave_everything(uow, revoked.application_id, status="revoked")


async def on_application_withdrawn(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """A withdrawn participant leaves every session (never accredited: nothing to do)."""
    withdrawn = ApplicationWithdrawn.model_validate(event.data)
    await _leave_everything(uow, withdrawn.application_id, status="withdrawn")


async def _leave_everything(uow: UnitOfWork[Repository], application_id, *, status: str) -> None:
    if not await uow.repo.set_participant_status(application_id, status):
        return
    removed = await uow.repo.unassign_participant(application_id)
    await announce_removals(uow, sorted(removed), reason=f"accreditation_{status}")
    await waiting.leave_all(uow, application_id=application_id)
    await waiting.promote_after_removals(uow, removed)


async def on_delegation_registered(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Learn of a delegation and its seats per session format."""
    registered = DelegationRegistered.model_validate(event.data)
    await uow.repo.save_delegation(
        registered.delegation_id,
        meeting_id=registered.meeting_id,
        name=registered.name,
        session_seats=registered.session_seats,
    )


async def on_quotas_changed(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """Follow a delegation's seats per session format."""
    changed = QuotasChanged.model_validate(event.data)
    if not await uow.repo.set_delegation_seats(changed.delegation_id, changed.session_seats):
        raise NotYetKnown(f"delegation {changed.delegation_id} is not known yet")
    # more seats in a format: those waiting in its sessions get them
    for session_id in await uow.repo.sessions_waiting_for(changed.delegation_id):
        await waiting.promote(uow, session_id, [changed.delegation_id])


async def on_delegation_withdrawn(uow: UnitOfWork[Repository], event: CloudEvent) -> None:
    """A withdrawn delegation's people and head leave every session; its bilaterals are cancelled."""
    withdrawn = DelegationWithdrawn.model_validate(event.data)
    delegation_id = withdrawn.delegation_id
    if not await uow.repo.withdraw_delegation(delegation_id):
        raise NotYetKnown(f"delegation {delegation_id} is not known yet")
    await uow.repo.withdraw_participants_of(delegation_id)
    removed = await uow.repo.unassign_delegation(delegation_id)
    await announce_removals(uow, sorted(removed), reason="delegation_withdrawn")
    await waiting.leave_all(uow, delegation_id=delegation_id)
    await _cancel_bilaterals(uow, delegation_id)
    headed = await uow.repo.remove_heads_of(delegation_id)
    for (session_id,) in sorted(headed):
        session = await uow.repo.get_session(session_id)
        if session is not None and session.status == SessionStatus.SCHEDULED:
            await uow.emit(
                SessionUpdated(**await facts_of(uow.repo, session_id)), subject=str(session_id)
            )


async def _cancel_bilaterals(uow: UnitOfWork[Repository], delegation_id) -> None:
    """Cancel the delegation's bilateral sessions and decline its open requests."""
    rows = await uow.repo.bilaterals_of(delegation_id)
    now = datetime.now(UTC)
    for row in rows:
        if row.status in OPEN_BILATERAL:
            await uow.repo.decline_bilateral(row.id, at=now)
            await uow.emit(
                BilateralDeclined(**bilateral_facts(row), reason="delegation_withdrawn"),
                subject=str(row.id),
            )
        elif row.status == BilateralStatus.ACCEPTED and row.session_id is not None:
            session = await uow.repo.get_session(row.session_id, lock=True)
            if session is None or session.status != SessionStatus.SCHEDULED:
                continue
            await uow.repo.change_session(
                row.session_id,
                status=SessionStatus.CANCELLED.value,
                cancel_reason="a delegation withdrew from the meeting",
                updated_at=now,
            )
            facts = await facts_of(uow.repo, row.session_id)
            await uow.emit(
                SessionCancelled(**facts, reason="a delegation withdrew from the meeting"),
                subject=str(row.session_id),
            )
