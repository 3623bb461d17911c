"""Notification use cases: subscriptions, fan-out of events into deliveries, delivery results."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects.postgresql import insert

from plenary_notification.adapters import repository, webhooks
from plenary_notification.adapters.tables import deliveries, delivery_attempts, subscriptions
from plenary_notification.domain.model import matches, next_delay
from plenary_notification.entrypoints.api.schemas import SubscriptionCreate
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import NotFound
from plenary_shared.events.notification import DeliveryFailed, SubscriptionCreated


async def create_subscription(
    uow: UnitOfWork, *, command: SubscriptionCreate, owner: str
) -> tuple[uuid.UUID, str]:
    """Register a webhook subscription; returns its id and signing secret."""
    subscription_id, secret = uuid.uuid4(), webhooks.new_secret()
    await uow.conn.execute(
        subscriptions.insert().values(
            id=subscription_id,
            owner=owner,
            channel=command.channel,
            url=str(command.url),
            event_types=command.event_types,
            meeting_id=command.meeting_id,
            description=command.description,
            secret=secret,
        )
    )
    await uow.emit(
        SubscriptionCreated(
            subscription_id=subscription_id,
            channel=command.channel,
            event_types=command.event_types,
        ),
        subject=str(subscription_id),
    )
    await uow.commit()
    return subscription_id, secret


async def delete_subscription(
    uow: UnitOfWork, *, subscription_id: uuid.UUID, owner: str | None
) -> None:
    """Stop a subscription for good; pending deliveries are dropped."""
    row = await repository.get_subscription(uow.conn, subscription_id)
    if row is None or (owner is not None and row.owner != owner):
        raise NotFound(f"subscription {subscription_id} does not exist")
    await uow.conn.execute(
        deliveries.update()
        .where(deliveries.c.subscription_id == subscription_id, deliveries.c.status == "pending")
        .values(status="cancelled")
    )
    await uow.conn.execute(subscriptions.delete().where(subscriptions.c.id == subscription_id))
    await uow.commit()


async def on_event(uow: UnitOfWork, event: CloudEvent, *, on_queued: Callable[[], None]) -> None:
    """Queue one delivery per subscription the event concerns; wake the worker after commit."""
    meeting_id = event.data.get("meeting_id")
    envelope = event.model_dump(mode="json", exclude_none=True)
    envelope["data"].pop("sealed_link", None)  # only notification can open it; others never see it
    rows = []
    for sub in await repository.active_subscriptions(uow.conn):
        if not matches(sub.event_types, event.type):
            continue
        if sub.meeting_id is not None and str(sub.meeting_id) != meeting_id:
            continue
        rows.append(
            {
                "id": uuid.uuid4(),
                "subscription_id": sub.id,
                "event_id": event.id,
                "event_type": event.type,
                "envelope": envelope,
            }
        )
    if rows:
        await uow.conn.execute(insert(deliveries).values(rows).on_conflict_do_nothing())
        uow.after_commit(on_queued)


async def record_attempt(
    uow: UnitOfWork,
    *,
    delivery,
    attempt: webhooks.Attempt,
    max_attempts: int,
    backoff: float,
    backoff_cap: float,
) -> str:
    """Log an attempt and settle the delivery: delivered, retried later, or failed."""
    await uow.conn.execute(
        delivery_attempts.insert().values(
            delivery_id=delivery.id,
            status_code=attempt.status_code,
            latency_ms=attempt.latency_ms,
            error=attempt.error,
        )
    )
    now = datetime.now(UTC)
    values: dict = {
        "last_status_code": attempt.status_code,
        "last_error": attempt.error,
        "lease_until": None,
    }
    if attempt.error is None:
        values |= {"status": "delivered", "delivered_at": now}
    elif delivery.attempts >= max_attempts:
        values |= {"status": "failed"}
        await uow.emit(
            DeliveryFailed(
                delivery_id=delivery.id,
                subscription_id=delivery.subscription_id,
                event_id=delivery.event_id,
                event_type_delivered=delivery.event_type,
                attempts=delivery.attempts,
                last_error=attempt.error,
            ),
            subject=str(delivery.subscription_id),
        )
    else:
        delay = next_delay(delivery.attempts, base=backoff, cap=backoff_cap)
        values |= {"next_attempt_at": now + timedelta(seconds=delay)}
    await uow.conn.execute(
        deliveries.update().where(deliveries.c.id == delivery.id).values(**values)
    )
    await uow.commit()
    return values.get("status", "pending")
