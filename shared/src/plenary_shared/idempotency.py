"""Idempotency-Key for commands: a retried request returns the first result instead of acting twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from plenary_shared.errors import Conflict, Invalid

HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class IdempotencyClaim:
    """One caller's key for one request."""

    principal: str
    key: str
    scope: str
    request_hash: str

    @classmethod
    def of(
        cls, *, principal: str, key: str, method: str, path: str, body: bytes
    ) -> IdempotencyClaim:
        """The claim a request makes; the key must be 1-200 printable characters."""
        if not 0 < len(key) <= 200 or not key.isprintable():
            raise Invalid(f"{HEADER} must be 1 to 200 printable characters, e.g. a UUID")
        return cls(principal, key, f"{method} {path}", hashlib.sha256(body).hexdigest())

    async def earlier_result(self, engine: AsyncEngine, table: Table) -> str | None:
        """The resource id the first request with this key produced, if it committed."""
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    select(table).where(
                        table.c.principal == self.principal, table.c.key == self.key
                    )
                )
            ).one_or_none()
        if row is None:
            return None
        if (row.scope, row.request_hash) != (self.scope, self.request_hash):
            raise Invalid(
                f"{HEADER} '{self.key}' was already used for a different request "
                f"({row.scope}); use a new key for a new request"
            )
        return row.resource_id

    async def record(self, conn: AsyncConnection, table: Table, resource_id: str) -> None:
        """Store the result in the command's transaction; a concurrent twin makes this fail."""
        inserted = await conn.execute(
            insert(table)
            .values(
                principal=self.principal,
                key=self.key,
                scope=self.scope,
                request_hash=self.request_hash,
                resource_id=resource_id,
            )
            .on_conflict_do_nothing()
            .returning(table.c.key)
        )
        if inserted.first() is None:
            raise Conflict(
                f"another request with {HEADER} '{self.key}' was processed at the same time; "
                "send it again to get its result"
            )
