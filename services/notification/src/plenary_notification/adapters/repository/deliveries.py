"""Webhook deliveries: queued, leased, settled or retried, and their attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import (
    DateTime,
    Float,
    Integer,
    Row,
    Uuid,
    bindparam,
    column,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from plenary_notification.adapters import queries
from plenary_notification.adapters.tables import deliveries, delivery_attempts, subscriptions


def _lease_statement():
    """Claim due deliveries, built once: every value is a bound parameter, so each call only
    binds (building and hashing a statement this size costs more than running it)."""
    d, s = deliveries, subscriptions
    now = bindparam("now", type_=DateTime(timezone=True))
    due = [
        d.c.status == "pending",
        d.c.next_attempt_at <= now,
        (d.c.lease_until.is_(None)) | (d.c.lease_until < now),
    ]
    rank = (
        func.row_number()
        .over(partition_by=d.c.subscription_id, order_by=(d.c.next_attempt_at, d.c.created_at))
        .label("rank")
    )
    ranked = (
        select(d.c.id, d.c.subscription_id, d.c.next_attempt_at, rank)
        .join(s, s.c.id == d.c.subscription_id)
        .where(*due, s.c.status == "active")
        .subquery()
    )
    # what this worker has in flight, one array per column
    taken = (
        func.unnest(
            bindparam("busy_ids", type_=ARRAY(Uuid)),
            bindparam("busy_counts", type_=ARRAY(Integer)),
        )
        .table_valued(column("sid", Uuid), column("n", Integer))
        .render_derived(name="busy")
    )
    room = bindparam("per_endpoint", type_=Integer) - func.coalesce(taken.c.n, 0)
    source = ranked.outerjoin(taken, taken.c.sid == ranked.c.subscription_id)
    chosen = (
        select(ranked.c.id)
        .select_from(source)
        .where(ranked.c.rank <= room)
        .order_by(ranked.c.next_attempt_at)
        .limit(bindparam("limit", type_=Integer))
    )
    # the subscription's address and secrets come back with each claimed row: one statement
    return (
        update(d)
        .where(d.c.id.in_(chosen.scalar_subquery()), *due, s.c.id == d.c.subscription_id)
        .values(
            lease_until=bindparam("lease_until", type_=DateTime(timezone=True)),
            attempts=d.c.attempts + 1,
        )
        .returning(
            d.c.id,
            d.c.subscription_id,
            d.c.event_id,
            d.c.envelope,
            d.c.attempts,
            d.c.event_type,
            s.c.url,
            s.c.secret,
            s.c.previous_secret,
            s.c.previous_secret_expires_at,
        )
    )


_LEASE = _lease_statement()


def _settle_statement():
    """Successful attempts logged and their deliveries settled, built once (arrays bound)."""
    rows = (
        func.unnest(
            bindparam("ids", type_=ARRAY(Uuid)),
            bindparam("codes", type_=ARRAY(Integer)),
            bindparam("latencies", type_=ARRAY(Float)),
        )
        .table_valued(
            column("delivery_id", Uuid), column("status_code", Integer), column("latency_ms", Float)
        )
        .render_derived(name="outcome")
    )
    a, d = delivery_attempts, deliveries
    logged = (
        insert(a)
        .from_select(
            [a.c.delivery_id, a.c.status_code, a.c.latency_ms],
            select(rows.c.delivery_id, rows.c.status_code, rows.c.latency_ms),
        )
        .returning(a.c.delivery_id, a.c.status_code)
        .cte("logged")
    )
    return (
        update(d)
        .where(d.c.id == logged.c.delivery_id)
        .values(
            status="delivered",
            delivered_at=bindparam("now", type_=DateTime(timezone=True)),
            last_status_code=logged.c.status_code,
            last_error=None,
            lease_until=None,
        )
    )


_SETTLE = _settle_statement()


def next_due_statement(table, *conditions):
    """When the next pending row of a queue falls due (its retry time, or the end of a lease
    held elsewhere), among those not due already; built once."""
    due_at = func.greatest(
        table.c.next_attempt_at, func.coalesce(table.c.lease_until, table.c.next_attempt_at)
    )
    now = bindparam("now", type_=DateTime(timezone=True))
    return select(func.min(due_at)).where(table.c.status == "pending", due_at > now, *conditions)


_NEXT_DELIVERY = next_due_statement(
    deliveries,
    deliveries.c.subscription_id.in_(
        select(subscriptions.c.id).where(subscriptions.c.status == "active")
    ),
)


class DeliveryRows:
    """Deliveries, on the unit of work's (or a worker's) connection."""

    _conn: AsyncConnection

    async def get_delivery(self, delivery_id: UUID) -> Row | None:
        """One delivery, or None."""
        return await queries.get_delivery(self._conn, delivery_id)

    async def add_delivery(self, **values) -> None:
        """One delivery queued (a ping)."""
        await self._conn.execute(deliveries.insert().values(**values))

    async def queue_deliveries(self, rows: list[dict]) -> None:
        """A transaction's deliveries in one statement; one already queued is left alone."""
        await self._conn.execute(pg_insert(deliveries).on_conflict_do_nothing(), rows)

    async def deliveries_due_now(self, subscription_id: UUID) -> None:
        """What waited for a subscription is due at once (it resumed)."""
        await self._conn.execute(
            update(deliveries)
            .where(
                deliveries.c.subscription_id == subscription_id, deliveries.c.status == "pending"
            )
            .values(next_attempt_at=datetime.now(UTC))
        )

    async def redeliver(self, delivery_id: UUID) -> None:
        """A delivery pending again, due now, with a fresh set of attempts."""
        await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(
                status="pending", attempts=0, next_attempt_at=datetime.now(UTC), lease_until=None
            )
        )

    async def log_attempt(
        self, delivery_id: UUID, *, status_code: int | None, latency_ms: float, error: str | None
    ) -> None:
        """One attempt of a delivery, logged."""
        await self._conn.execute(
            delivery_attempts.insert().values(
                delivery_id=delivery_id,
                status_code=status_code,
                latency_ms=latency_ms,
                error=error,
            )
        )

    async def delivery_failed(
        self,
        delivery_id: UUID,
        *,
        status_code: int | None,
        error: str,
        retry_at: datetime | None,
    ) -> None:
        """A failed attempt's outcome: tried again at `retry_at`, or (None) failed for good."""
        values: dict = {"last_status_code": status_code, "last_error": error, "lease_until": None}
        if retry_at is None:
            values |= {"status": "failed"}
        else:
            values |= {"next_attempt_at": retry_at}
        await self._conn.execute(
            deliveries.update().where(deliveries.c.id == delivery_id).values(**values)
        )

    async def lease_due(
        self,
        *,
        limit: int,
        lease: timedelta,
        per_endpoint: int,
        busy: dict[UUID, int],
    ) -> list[Row]:
        """Claim due deliveries of active subscriptions, at most `per_endpoint` in flight for
        each; each row carries its subscription's url and secrets.

        `busy` counts what this worker already has in flight per subscription. A row another
        worker claimed first is skipped: the update checks the lease again.
        """
        now = datetime.now(UTC)
        values = {
            "now": now,
            "lease_until": now + lease,
            "limit": limit,
            "per_endpoint": per_endpoint,
            "busy_ids": list(busy),
            "busy_counts": list(busy.values()),
        }
        return list((await self._conn.execute(_LEASE, values)).all())

    async def settle_delivered(
        self, outcomes: list[tuple[UUID, int | None, float]], *, now: datetime
    ) -> None:
        """Deliveries that succeeded, as (id, status code, latency ms): each attempt logged and
        each delivery settled, all in one statement."""
        values = {
            "ids": [o[0] for o in outcomes],
            "codes": [o[1] for o in outcomes],
            "latencies": [o[2] for o in outcomes],
            "now": now,
        }
        await self._conn.execute(_SETTLE, values)

    async def next_delivery_due(self, *, now: datetime) -> datetime | None:
        """When the next delivery of an active subscription falls due, if any is waiting."""
        return await self._conn.scalar(_NEXT_DELIVERY, {"now": now})
