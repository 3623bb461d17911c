"""Bilateral meeting requests."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Row, select, update

from plenary_scheduling.adapters import lookups
from plenary_scheduling.adapters.repository.base import Rows
from plenary_scheduling.adapters.tables import bilateral_requests
from plenary_scheduling.domain.model import BilateralStatus


class BilateralRows(Rows):
    """Bilateral requests."""

    async def get_bilateral(self, request_id: UUID, *, lock: bool = False) -> Row | None:
        """One bilateral request, or None (its row locked if asked)."""
        return await lookups.get_bilateral(self._conn, request_id, lock=lock)

    async def add_bilateral(self, request_id: UUID, **values) -> None:
        """Record a new request."""
        await self._conn.execute(bilateral_requests.insert().values(id=request_id, **values))

    async def bilaterals_of(self, delegation_id: UUID) -> list[Row]:
        """Every request a delegation is party to, oldest first, locked."""
        b = bilateral_requests
        return list(
            (
                await self._conn.execute(
                    select(b)
                    .where(
                        (b.c.requester_id == delegation_id) | (b.c.counterpart_id == delegation_id)
                    )
                    .order_by(b.c.created_at, b.c.id)
                    .with_for_update()
                )
            ).all()
        )

    async def accept_bilateral(self, request_id: UUID, *, session_id: UUID) -> None:
        """A request accepted, with the session it became."""
        await self._conn.execute(
            update(bilateral_requests)
            .where(bilateral_requests.c.id == request_id)
            .values(
                status=BilateralStatus.ACCEPTED.value,
                session_id=session_id,
                updated_at=datetime.now(UTC),
            )
        )

    async def decline_bilateral(
        self, request_id: UUID, *, note: str | None = None, at: datetime | None = None
    ) -> None:
        """A request declined (with the reason as its note, when one is given)."""
        noted = {"note": note} if note is not None else {}
        await self._conn.execute(
            update(bilateral_requests)
            .where(bilateral_requests.c.id == request_id)
            .values(
                status=BilateralStatus.DECLINED.value, **noted, updated_at=at or datetime.now(UTC)
            )
        )

    async def counter_propose(
        self, request_id: UUID, *, slots: list[dict], note: str, awaiting_id: UUID
    ) -> None:
        """Other slots proposed; the request now awaits the other delegation."""
        await self._conn.execute(
            update(bilateral_requests)
            .where(bilateral_requests.c.id == request_id)
            .values(
                status=BilateralStatus.COUNTER_PROPOSED.value,
                slots=slots,
                note=note,
                awaiting_id=awaiting_id,
                updated_at=datetime.now(UTC),
            )
        )
