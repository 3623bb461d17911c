"""Logistics: movements, accommodation and liaison officers."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert

from plenary_delegation.adapters.repository.rows import Rows
from plenary_delegation.adapters.tables import accommodations, liaison_officers, movements


class LogisticsRows(Rows):
    """A delegation's arrivals and departures, hotel and liaison officer."""

    async def add_movement(self, **values) -> None:
        """Record an arrival or departure (its time in UTC)."""
        await self._conn.execute(movements.insert().values(**values))

    async def put_accommodation(self, *, delegation_id: UUID, **values) -> None:
        """Set a delegation's hotel and room block."""
        a = accommodations
        await self._conn.execute(
            insert(a)
            .values(delegation_id=delegation_id, **values)
            .on_conflict_do_update(
                index_elements=[a.c.delegation_id], set_={**values, "updated_at": func.now()}
            )
        )

    async def put_liaison(self, *, delegation_id: UUID, **values) -> None:
        """Set a delegation's liaison officer."""
        lo = liaison_officers
        await self._conn.execute(
            insert(lo)
            .values(delegation_id=delegation_id, **values)
            .on_conflict_do_update(
                index_elements=[lo.c.delegation_id], set_={**values, "updated_at": func.now()}
            )
        )
