"""The meeting projection (from scheduling's events, or from asking scheduling)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.dialects.postgresql import insert

from plenary_delegation.adapters import queries
from plenary_delegation.adapters.repository.rows import Rows
from plenary_delegation.adapters.tables import meetings


class MeetingRows(Rows):
    """The meetings this service knows."""

    async def get_meeting(self, meeting_id: UUID) -> Row | None:
        """A meeting from the projection, or None."""
        return await queries.get_meeting(self._conn, meeting_id)

    async def remember_meeting(self, **values) -> None:
        """Add a meeting to the projection (from an event or from asking scheduling)."""
        await self._conn.execute(insert(meetings).values(**values).on_conflict_do_nothing())
