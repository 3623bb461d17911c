"""Delegations and their category counters."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from plenary_delegation.adapters import queries
from plenary_delegation.adapters.repository.rows import Rows
from plenary_delegation.adapters.tables import category_quotas, delegations, nominations
from plenary_delegation.domain.model import DelegationStatus


class DelegationRows(Rows):
    """A delegation's row and its per-category quota and use."""

    async def get_delegation(self, delegation_id: UUID) -> Row | None:
        """One delegation, or None."""
        return await queries.get_delegation(self._conn, delegation_id)

    async def delegation_deciding(self, delegation_id: UUID, application_id: UUID) -> Row | None:
        """A delegation, or None, with `decided`: whether this application's nomination already
        was decided (one statement for both)."""
        decided = (
            select(nominations.c.application_id)
            .where(nominations.c.application_id == application_id)
            .exists()
            .label("decided")
        )
        query = select(delegations, decided).where(delegations.c.id == delegation_id)
        return (await self._conn.execute(query)).one_or_none()

    async def lock_delegation(self, delegation_id: UUID) -> Row | None:
        """One delegation, locked until the transaction ends (seat claims queue behind it)."""
        query = select(delegations).where(delegations.c.id == delegation_id).with_for_update()
        return (await self._conn.execute(query)).one_or_none()

    async def add_delegation(self, **values) -> bool:
        """Insert a delegation (in a savepoint); False, with nothing written, when its country
        is already registered for the meeting."""
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(delegations.insert().values(**values))
        except IntegrityError:
            return False
        return True

    async def change_delegation(self, delegation_id: UUID, **values) -> None:
        """Set some columns of a delegation (names, head, waiting list default)."""
        await self._conn.execute(
            update(delegations).where(delegations.c.id == delegation_id).values(**values)
        )

    async def withdraw_delegation(
        self, delegation_id: UUID, *, at: datetime, actor: str, reason: str
    ) -> None:
        """Mark a delegation withdrawn: when, by whom and why."""
        await self._conn.execute(
            update(delegations)
            .where(delegations.c.id == delegation_id)
            .values(
                status=DelegationStatus.WITHDRAWN.value,
                withdrawn_at=at,
                withdrawn_by=actor,
                withdrawal_reason=reason,
            )
        )

    async def lock_category_counters(self, delegation_id: UUID) -> dict[str, Row]:
        """A delegation's per-category counters, locked until the transaction ends."""
        c = category_quotas
        rows = (
            await self._conn.execute(
                select(c).where(c.c.delegation_id == delegation_id).with_for_update()
            )
        ).all()
        return {row.category: row for row in rows}

    async def set_category_quota(
        self, *, delegation_id: UUID, category: str, quota: int | None
    ) -> None:
        """Set (or, with None, lift) one category's quota, keeping its use."""
        c = category_quotas
        await self._conn.execute(
            insert(c)
            .values(delegation_id=delegation_id, category=category, quota=quota, used=0)
            .on_conflict_do_update(
                index_elements=[c.c.delegation_id, c.c.category], set_={"quota": quota}
            )
        )
