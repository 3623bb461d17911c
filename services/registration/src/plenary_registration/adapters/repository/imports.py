"""Bulk imports of nominations: the queued file, the lease of the worker, per-line errors."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Row, select, update

from plenary_registration.adapters.repository._rows import Rows
from plenary_registration.adapters.tables import import_errors, imports


class ImportRows(Rows):
    """registration.imports and registration.import_errors."""

    async def add_import(self, **values) -> None:
        """Queue an import."""
        await self._conn.execute(imports.insert().values(**values))

    async def claim_import(self, *, now: datetime, lease_until: datetime) -> Row | None:
        """Lease the oldest import that is queued or whose worker's lease ran out; None if none."""
        claimable = (
            select(imports.c.id)
            .where(
                imports.c.status.in_(("queued", "running")),
                (imports.c.lease_until.is_(None)) | (imports.c.lease_until < now),
            )
            .order_by(imports.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (
            await self._conn.execute(
                update(imports)
                .where(imports.c.id.in_(claimable.scalar_subquery()))
                .values(status="running", lease_until=lease_until)
                .returning(imports)
            )
        ).one_or_none()

    async def advance_import(
        self,
        import_id: uuid.UUID,
        *,
        start: int,
        processed: int,
        nominated: int,
        failed: int,
        lease_until: datetime,
    ) -> bool:
        """Move an import's progress past a batch begun at `start`, renewing the lease; False
        when its progress is no longer at `start` (another worker took over)."""
        moved = await self._conn.execute(
            update(imports)
            .where(imports.c.id == import_id, imports.c.processed == start)
            .values(
                processed=processed,
                nominated=imports.c.nominated + nominated,
                failed=imports.c.failed + failed,
                lease_until=lease_until,
            )
        )
        return moved.rowcount != 0

    async def add_import_errors(self, errors: list[dict]) -> None:
        """The lines of a batch that could not be nominated, with why (one statement)."""
        await self._conn.execute(import_errors.insert(), errors)

    async def finish_import(self, import_id: uuid.UUID, *, now: datetime) -> None:
        """An import is done: its file (encrypted) is dropped."""
        await self._conn.execute(
            update(imports)
            .where(imports.c.id == import_id)
            .values(status="done", content_enc=None, lease_until=None, finished_at=now)
        )
