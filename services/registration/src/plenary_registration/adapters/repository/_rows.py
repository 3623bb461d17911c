"""The base of the repository's parts: each keeps the unit of work's connection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection


class Rows:
    """Statements on one connection (one unit of work's transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
