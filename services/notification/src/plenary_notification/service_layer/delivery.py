"""The webhook delivery worker: leases due deliveries, sends them concurrently, records results."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta

import structlog

from plenary_notification.adapters import repository, webhooks
from plenary_notification.config import Settings
from plenary_notification.service_layer import handlers
from plenary_shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


async def deliver_forever(rt: ServiceRuntime) -> None:
    """Deliver due webhooks until cancelled; polls, and is woken when deliveries are queued."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    wake: asyncio.Event = rt.state["delivery_wake"]
    limit = asyncio.Semaphore(settings.webhook_concurrency)
    while True:
        wake.clear()
        sent = await deliver_due(rt, limit)
        if sent:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=settings.webhook_poll_seconds)


async def deliver_due(rt: ServiceRuntime, limit: asyncio.Semaphore) -> int:
    """One round: lease, send, record; returns how many were attempted."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    lease = timedelta(seconds=settings.webhook_timeout_seconds * 3)
    async with rt.engine.begin() as conn:
        due = await repository.lease_due(conn, limit=settings.webhook_concurrency * 2, lease=lease)

    async def one(delivery, subscription) -> None:
        async with limit:
            attempt = await webhooks.send(
                rt.http,
                url=subscription.url,
                secret=subscription.secret,
                message_id=delivery.event_id,
                body=json.dumps(delivery.envelope, separators=(",", ":")),
                timeout=settings.webhook_timeout_seconds,
            )
        async with rt.unit_of_work() as uow:
            outcome = await handlers.record_attempt(
                uow,
                delivery=delivery,
                attempt=attempt,
                max_attempts=settings.webhook_max_attempts,
                backoff=settings.webhook_backoff_seconds,
                backoff_cap=settings.webhook_backoff_max_seconds,
            )
        log.info(
            "webhook attempt",
            delivery_id=str(delivery.id),
            event_type=delivery.event_type,
            status_code=attempt.status_code,
            outcome=outcome,
            attempt=delivery.attempts,
        )

    await asyncio.gather(*(one(d, s) for d, s in due))
    return len(due)
