"""Subscriptions: who receives what, and how their receivers fare."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_notification.adapters import queries
from plenary_notification.adapters.tables import deliveries, subscriptions
from plenary_notification.domain.model import Channel


class SubscriptionRows:
    """Subscriptions, read and written on the unit of work's connection."""

    _conn: AsyncConnection

    async def receiving_subscriptions(self) -> list[Row]:
        """Subscriptions that take events now (paused ones keep them for later; stream ones
        need none)."""
        s = subscriptions
        query = select(s).where(
            s.c.status.in_(("active", "paused")), s.c.channel != Channel.STREAM.value
        )
        return list((await self._conn.execute(query)).all())

    async def get_subscription(
        self, subscription_id: UUID, *, for_update: bool = False
    ) -> Row | None:
        """One subscription (locked for the transaction with `for_update`), or None."""
        return await queries.get_subscription(self._conn, subscription_id, for_update=for_update)

    async def add_subscription(self, **values) -> None:
        """A new subscription (its id among the values)."""
        await self._conn.execute(subscriptions.insert().values(**values))

    async def change_subscription(self, subscription_id: UUID, values: dict) -> None:
        """New values for what a subscription receives, or where."""
        await self._conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(**values, updated_at=datetime.now(UTC))
        )

    async def set_status(self, subscription_id: UUID, *, status: str, reason: str | None) -> None:
        """Paused or active again (set by its owner): no longer failing either way."""
        await self._conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(
                status=status,
                status_reason=reason,
                failing_since=None,
                updated_at=datetime.now(UTC),
            )
        )

    async def rotate_secret(
        self, subscription_id: UUID, *, secret: str, previous_secret: str, until: datetime
    ) -> None:
        """A new signing secret; the previous one signs too until `until`."""
        await self._conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(
                secret=secret,
                previous_secret=previous_secret,
                previous_secret_expires_at=until,
                updated_at=datetime.now(UTC),
            )
        )

    async def delete_subscription(self, subscription_id: UUID) -> None:
        """A subscription removed, its pending deliveries cancelled first."""
        await self._conn.execute(
            deliveries.update()
            .where(
                deliveries.c.subscription_id == subscription_id, deliveries.c.status == "pending"
            )
            .values(status="cancelled")
        )
        await self._conn.execute(
            subscriptions.delete().where(subscriptions.c.id == subscription_id)
        )

    async def mark_failing(self, subscription_id: UUID, *, since: datetime) -> None:
        """A receiver's first failure in a row."""
        s = subscriptions
        await self._conn.execute(
            update(s).where(s.c.id == subscription_id).values(failing_since=since)
        )

    async def disable_subscription(
        self, subscription_id: UUID, *, reason: str, now: datetime
    ) -> None:
        """A receiver that failed too long: disabled, with why."""
        s = subscriptions
        await self._conn.execute(
            update(s)
            .where(s.c.id == subscription_id)
            .values(status="disabled", status_reason=reason, updated_at=now)
        )

    async def receivers_answered(self, subscription_ids: list[UUID], *, now: datetime) -> None:
        """These receivers answered well just now: none of them is failing."""
        s = subscriptions
        await self._conn.execute(
            update(s)
            .where(s.c.id.in_(subscription_ids))
            .values(failing_since=None, last_success_at=now)
        )
