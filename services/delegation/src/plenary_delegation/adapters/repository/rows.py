"""The base of the repository's parts: the connection of the unit of work they run on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection


class Rows:
    """Statements on one connection (the unit of work's transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
