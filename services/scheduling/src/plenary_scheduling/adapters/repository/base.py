"""What every part of the repository shares: the unit of work's connection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection


class Rows:
    """Statements on one connection (a unit of work's transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
