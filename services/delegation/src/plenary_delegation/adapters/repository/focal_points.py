"""Focal points: the people who act for a delegation."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Row, func, select, update
from sqlalchemy.exc import IntegrityError

from plenary_delegation.adapters.repository.rows import Rows
from plenary_delegation.adapters.tables import focal_points


class FocalPointRows(Rows):
    """Focal point assignments, current and revoked."""

    async def active_focal_point(self, *, delegation_id: UUID, email: str) -> Row | None:
        """The delegation's current focal point with this e-mail, or None."""
        f = focal_points
        query = select(f).where(
            f.c.delegation_id == delegation_id, f.c.email == email, f.c.revoked_at.is_(None)
        )
        return (await self._conn.execute(query)).one_or_none()

    async def add_focal_point(self, **values) -> bool:
        """Insert an assignment (in a savepoint); False, with nothing written, when the e-mail
        is already a current focal point of the delegation."""
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(focal_points.insert().values(**values))
        except IntegrityError:
            return False
        return True

    async def revoke_focal_point(
        self, *, focal_point_id: UUID, delegation_id: UUID, actor: str
    ) -> Row | None:
        """End a current assignment; None when there is no such current focal point."""
        f = focal_points
        return (
            await self._conn.execute(
                update(f)
                .where(
                    f.c.id == focal_point_id,
                    f.c.delegation_id == delegation_id,
                    f.c.revoked_at.is_(None),
                )
                .values(revoked_at=func.now(), revoked_by=actor)
                .returning(f)
            )
        ).one_or_none()
