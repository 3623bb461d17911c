"""Session facts as events carry them: self-sufficient for whoever tells people about them."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from plenary_shared.db import UnitOfWork
from plenary_shared.events.scheduling import AttendanceRemoved

if TYPE_CHECKING:
    from plenary_scheduling.adapters.repository import Repository


def session_facts(row, *, heads: list[UUID]) -> dict:
    """The common fields of every session event, from a session row joined with room and venue."""
    return {
        "session_id": row.id,
        "meeting_id": row.meeting_id,
        "title": row.title,
        "titles": dict(row.titles or {}),
        "format": row.format,
        "room": row.room,
        "room_id": row.room_id,
        "venue_id": row.venue_id,
        "venue": row.venue,
        "timezone": row.timezone,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "visibility": row.visibility,
        "sequence": row.sequence,
        "head_delegation_ids": heads,
    }


def attendance_facts(row, *, application_id: UUID, delegation_id: UUID) -> dict:
    """The fields of an attendance event: who, and the session as it is."""
    return {
        "application_id": application_id,
        "session_id": row.id,
        "meeting_id": row.meeting_id,
        "delegation_id": delegation_id,
        "title": row.title,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "timezone": row.timezone,
        "room": row.room,
    }


async def facts_of(repo: Repository, session_id: UUID) -> dict:
    """The event fields of a stored session."""
    row = await repo.get_session(session_id)
    heads = (await repo.heads_of([session_id]))[session_id]
    return session_facts(row, heads=heads)


async def announce_removals(uow: UnitOfWork[Repository], removed: list, *, reason: str) -> None:
    """One `attendance.removed` per deleted attendance row."""
    cache: dict[UUID, object] = {}
    for r in removed:
        if r.session_id not in cache:
            cache[r.session_id] = await uow.repo.get_session(r.session_id)
        session = cache[r.session_id]
        await uow.emit(
            AttendanceRemoved(
                **attendance_facts(
                    session, application_id=r.application_id, delegation_id=r.delegation_id
                ),
                reason=reason,
            ),
            subject=str(r.session_id),
        )
