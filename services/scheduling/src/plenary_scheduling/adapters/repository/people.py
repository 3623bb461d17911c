"""Participants and delegations as scheduling knows them (projections of others' events)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Row, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from plenary_scheduling.adapters import lookups
from plenary_scheduling.adapters.repository.base import Rows
from plenary_scheduling.adapters.tables import delegations, participants


def _record_participant_statement():
    """Built once; an upsert whose update takes every value but the calendar token."""
    upsert = pg_insert(participants)
    kept = {"application_id", "calendar_token"}
    changed = {c.name: upsert.excluded[c.name] for c in participants.c if c.name not in kept}
    return upsert.on_conflict_do_update(
        index_elements=[participants.c.application_id], set_=changed
    )


_RECORD_PARTICIPANT = _record_participant_statement()


class PeopleRows(Rows):
    """Participants and delegations."""

    async def participants_by_id(
        self, ids: Iterable[UUID], *, lock: bool = False
    ) -> dict[UUID, Row]:
        """Participants known to scheduling, by application id (locked in id order if asked)."""
        return await lookups.participants_by_id(self._conn, ids, lock=lock)

    async def get_participant(self, application_id: UUID) -> Row | None:
        """One participant, or None."""
        return await lookups.get_participant(self._conn, application_id)

    async def record_participants(self, rows: list[dict]) -> None:
        """Record accredited participants, one statement for all (one granted again is updated,
        its calendar token kept)."""
        await self._conn.execute(_RECORD_PARTICIPANT, rows)

    async def learn_participant(self, **values) -> None:
        """Record a participant registration told of, unless it is known already."""
        await self._conn.execute(pg_insert(participants).values(**values).on_conflict_do_nothing())

    async def set_participant_status(self, application_id: UUID, status: str) -> bool:
        """A participant's status (revoked, withdrawn); False if scheduling does not know it."""
        found = await self._conn.execute(
            update(participants)
            .where(participants.c.application_id == application_id)
            .values(status=status)
        )
        return bool(found.rowcount)

    async def withdraw_participants_of(self, delegation_id: UUID) -> None:
        """A withdrawn delegation's accredited participants are withdrawn with it."""
        await self._conn.execute(
            update(participants)
            .where(
                participants.c.delegation_id == delegation_id,
                participants.c.status == "accredited",
            )
            .values(status="withdrawn")
        )

    async def delegations_by_id(
        self, ids: Iterable[UUID], *, lock: bool = False
    ) -> dict[UUID, Row]:
        """Delegations known to scheduling, by id (locked in id order if asked)."""
        return await lookups.delegations_by_id(self._conn, ids, lock=lock)

    async def save_delegation(
        self, delegation_id: UUID, *, meeting_id: UUID, name: str, session_seats: dict[str, int]
    ) -> None:
        """Record a delegation, or update the one known."""
        values = {
            "meeting_id": meeting_id,
            "name": name,
            "session_seats": session_seats,
            "updated_at": datetime.now(UTC),
        }
        await self._conn.execute(
            pg_insert(delegations)
            .values(id=delegation_id, **values)
            .on_conflict_do_update(index_elements=[delegations.c.id], set_=values)
        )

    async def set_delegation_seats(
        self, delegation_id: UUID, session_seats: dict[str, int]
    ) -> bool:
        """A delegation's seats per session format; False if the delegation is not known."""
        done = await self._conn.execute(
            update(delegations)
            .where(delegations.c.id == delegation_id)
            .values(session_seats=session_seats, updated_at=datetime.now(UTC))
        )
        return bool(done.rowcount)

    async def withdraw_delegation(self, delegation_id: UUID) -> bool:
        """A delegation withdrawn from its meeting; False if the delegation is not known."""
        done = await self._conn.execute(
            update(delegations)
            .where(delegations.c.id == delegation_id)
            .values(status="withdrawn", updated_at=datetime.now(UTC))
        )
        return bool(done.rowcount)
