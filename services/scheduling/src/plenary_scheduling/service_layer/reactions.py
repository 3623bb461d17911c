"""Scheduling's reactions to other services' events: one function per consumed event type."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from plenary_scheduling.adapters import repository
from plenary_scheduling.adapters.tables import (
    attendance,
    bilateral_requests,
    delegations,
    participants,
    session_heads,
    sessions,
)
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


async def on_accreditation_granted(uow: UnitOfWork, event: CloudEvent) -> None:
    """Record the accredited participant, with the token of their personal calendar."""
    await on_accreditations_granted(uow, [event])


async def on_accreditations_granted(uow: UnitOfWork, events: list[CloudEvent]) -> None:
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
    await uow.conn.execute(_RECORD_PARTICIPANT, rows)


def _record_participant_statement():
    """Built once; an upsert whose update takes every value but the calendar token."""
    upsert = pg_insert(participants)
    kept = {"application_id", "calendar_token"}
    changed = {c.name: upsert.excluded[c.name] for c in participants.c if c.name not in kept}
    return upsert.on_conflict_do_update(
        index_elements=[participants.c.application_id], set_=changed
    )


_RECORD_PARTICIPANT = _record_participant_statement()


async def on_accreditation_revoked(uow: UnitOfWork, event: CloudEvent) -> None:
    """A revoked participant leaves every session."""
    revoked = AccreditationRevoked.model_validate(event.data)
    await _leave_everything(uow, revoked.application_id, status="revoked")


async def on_application_withdrawn(uow: UnitOfWork, event: CloudEvent) -> None:
    """A withdrawn participant leaves every session (never accredited: nothing to do)."""
    withdrawn = ApplicationWithdrawn.model_validate(event.data)
    await _leave_everything(uow, withdrawn.application_id, status="withdrawn")


async def _leave_everything(uow: UnitOfWork, application_id, *, status: str) -> None:
    found = await uow.conn.execute(
        update(participants)
        .where(participants.c.application_id == application_id)
        .values(status=status)
    )
    if not found.rowcount:
        return
    removed = (
        await uow.conn.execute(
            delete(attendance)
            .where(attendance.c.application_id == application_id)
            .returning(
                attendance.c.session_id, attendance.c.application_id, attendance.c.delegation_id
            )
        )
    ).all()
    await announce_removals(uow, sorted(removed), reason=f"accreditation_{status}")
    await waiting.leave_all(uow, application_id=application_id)
    await waiting.promote_after_removals(uow, removed)


async def on_delegation_registered(uow: UnitOfWork, event: CloudEvent) -> None:
    """Learn of a delegation and its seats per session format."""
    registered = DelegationRegistered.model_validate(event.data)
    values = {
        "meeting_id": registered.meeting_id,
        "name": registered.name,
        "session_seats": registered.session_seats,
        "updated_at": datetime.now(UTC),
    }
    await uow.conn.execute(
        pg_insert(delegations)
        .values(id=registered.delegation_id, **values)
        .on_conflict_do_update(index_elements=[delegations.c.id], set_=values)
    )


async def on_quotas_changed(uow: UnitOfWork, event: CloudEvent) -> None:
    """Follow a delegation's seats per session format."""
    changed = QuotasChanged.model_validate(event.data)
    done = await uow.conn.execute(
        update(delegations)
        .where(delegations.c.id == changed.delegation_id)
        .values(session_seats=changed.session_seats, updated_at=datetime.now(UTC))
    )
    if not done.rowcount:
        raise NotYetKnown(f"delegation {changed.delegation_id} is not known yet")
    # more seats in a format: those waiting in its sessions get them
    for session_id in await repository.sessions_waiting_for(uow.conn, changed.delegation_id):
        await waiting.promote(uow, session_id, [changed.delegation_id])


async def on_delegation_withdrawn(uow: UnitOfWork, event: CloudEvent) -> None:
    """A withdrawn delegation's people and head leave every session; its bilaterals are cancelled."""
    withdrawn = DelegationWithdrawn.model_validate(event.data)
    delegation_id = withdrawn.delegation_id
    done = await uow.conn.execute(
        update(delegations)
        .where(delegations.c.id == delegation_id)
        .values(status="withdrawn", updated_at=datetime.now(UTC))
    )
    if not done.rowcount:
        raise NotYetKnown(f"delegation {delegation_id} is not known yet")
    await uow.conn.execute(
        update(participants)
        .where(participants.c.delegation_id == delegation_id, participants.c.status == "accredited")
        .values(status="withdrawn")
    )
    removed = (
        await uow.conn.execute(
            delete(attendance)
            .where(attendance.c.delegation_id == delegation_id)
            .returning(
                attendance.c.session_id, attendance.c.application_id, attendance.c.delegation_id
            )
        )
    ).all()
    await announce_removals(uow, sorted(removed), reason="delegation_withdrawn")
    await waiting.leave_all(uow, delegation_id=delegation_id)
    await _cancel_bilaterals(uow, delegation_id)
    headed = (
        await uow.conn.execute(
            delete(session_heads)
            .where(session_heads.c.delegation_id == delegation_id)
            .returning(session_heads.c.session_id)
        )
    ).all()
    for (session_id,) in sorted(headed):
        session = await repository.get_session(uow.conn, session_id)
        if session.status == SessionStatus.SCHEDULED:
            await uow.emit(
                SessionUpdated(**await facts_of(uow.conn, session_id)), subject=str(session_id)
            )


async def _cancel_bilaterals(uow: UnitOfWork, delegation_id) -> None:
    """Cancel the delegation's bilateral sessions and decline its open requests."""
    b = bilateral_requests
    rows = (
        await uow.conn.execute(
            select(b)
            .where((b.c.requester_id == delegation_id) | (b.c.counterpart_id == delegation_id))
            .order_by(b.c.created_at, b.c.id)
            .with_for_update()
        )
    ).all()
    now = datetime.now(UTC)
    for row in rows:
        if row.status in OPEN_BILATERAL:
            await uow.conn.execute(
                update(b)
                .where(b.c.id == row.id)
                .values(status=BilateralStatus.DECLINED.value, updated_at=now)
            )
            await uow.emit(
                BilateralDeclined(**bilateral_facts(row), reason="delegation_withdrawn"),
                subject=str(row.id),
            )
        elif row.status == BilateralStatus.ACCEPTED and row.session_id is not None:
            session = await repository.get_session(uow.conn, row.session_id, lock=True)
            if session.status != SessionStatus.SCHEDULED:
                continue
            await uow.conn.execute(
                update(sessions)
                .where(sessions.c.id == row.session_id)
                .values(
                    status=SessionStatus.CANCELLED.value,
                    cancel_reason="a delegation withdrew from the meeting",
                    sequence=sessions.c.sequence + 1,
                    updated_at=now,
                )
            )
            facts = await facts_of(uow.conn, row.session_id)
            await uow.emit(
                SessionCancelled(**facts, reason="a delegation withdrew from the meeting"),
                subject=str(row.session_id),
            )
