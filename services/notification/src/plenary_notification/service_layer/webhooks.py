"""Webhook use cases: an event fanned out to the subscriptions it concerns, and each attempt's
outcome settled (delivered, retried, given up; a receiver failing too long, or answering 410
Gone, disabled)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from plenary_notification.adapters import webhooks
from plenary_notification.domain.delivery import GivenUp, Retry, RetryPolicy, settle
from plenary_notification.domain.emails import Email
from plenary_notification.domain.model import Sends, concerns, rules_of
from plenary_notification.service_layer import emails
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.events.notification import DeliveryFailed, SubscriptionPaused

if TYPE_CHECKING:
    from plenary_notification.adapters.repository import Repository


async def on_event(
    uow: UnitOfWork[Repository],
    event: CloudEvent,
    *,
    on_queued: Callable[[], None],
    on_mail_queued: Callable[[], None],
) -> None:
    """Queue one delivery (or e-mail) per subscription the event concerns."""
    envelope = event.model_dump(mode="json", exclude_none=True)
    envelope["data"].pop("sealed_code", None)
    envelope["data"].pop("sealed_link", None)  # only notification can open it; others never see it
    rows, mails = [], []
    if "subscriptions" not in uow.memo:
        uow.memo["subscriptions"] = await uow.repo.receiving_subscriptions()
    for sub in uow.memo["subscriptions"]:
        if not concerns(sub, event.type, event.data):
            continue
        rules = rules_of(sub.channel)
        if sub.status != "active" and not rules.keeps_while_paused:
            continue
        if rules.sends is Sends.DELIVERY:
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "subscription_id": sub.id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "envelope": envelope,
                }
            )
        elif rules.sends is Sends.EMAIL:
            mails.append(Email("event", sub.email, sub.language, {"event": envelope}))
    if rows:
        # the transaction's deliveries go in one statement, just before it commits
        queued = uow.memo.setdefault("deliveries", [])
        if not queued:
            uow.before_commit("deliveries", lambda: uow.repo.queue_deliveries(queued))
        queued.extend(rows)
        uow.after_commit(on_queued)
    if mails:
        await emails.queue(uow, mails, event_id=event.id, event_type=event.type)
        uow.after_commit(on_mail_queued)


async def record_successes(repo: Repository, batch: list, *, now: datetime) -> None:
    """Successes that finished meanwhile, as (delivery, attempt, told): one statement for the
    deliveries and their attempts, one more for receivers not `told` (recorded well within the
    last second)."""
    await repo.settle_delivered(
        [(d.id, a.status_code, a.latency_ms) for d, a, _ in batch],
        now=now,
    )
    if untold := list({d.subscription_id for d, _, told in batch if not told}):
        await repo.receivers_answered(untold, now=now)


async def record_failure(
    uow: UnitOfWork[Repository],
    *,
    delivery,
    attempt: webhooks.Attempt,
    policy: RetryPolicy,
    disable_after: timedelta,
    on_mail_queued: Callable[[], None],
) -> str:
    """Log a failed attempt: the delivery is retried later or given up (and told), and a
    receiver failing too long is disabled. Successes are settled in batches (`record_successes`)."""
    assert attempt.error is not None
    await uow.repo.log_attempt(
        delivery.id,
        status_code=attempt.status_code,
        latency_ms=attempt.latency_ms,
        error=attempt.error,
    )
    now = datetime.now(UTC)
    decision = settle(
        delivery.attempts,
        failed=True,
        permanent=attempt.permanent,
        policy=policy,
        now=now,
        retry_after=attempt.retry_after,
    )
    given_up = isinstance(decision, GivenUp)
    if given_up:
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
    await uow.repo.delivery_failed(
        delivery.id,
        status_code=attempt.status_code,
        error=attempt.error,
        retry_at=decision.at if isinstance(decision, Retry) else None,
    )
    if attempt.gone:
        await _end_gone(uow, delivery.subscription_id, now=now, on_mail_queued=on_mail_queued)
    else:
        await _track_failure(
            uow,
            delivery.subscription_id,
            now=now,
            disable_after=disable_after,
            on_mail_queued=on_mail_queued,
        )
    await uow.commit()
    return "failed" if given_up else "pending"


async def _track_failure(
    uow: UnitOfWork[Repository],
    subscription_id: uuid.UUID,
    *,
    now: datetime,
    disable_after: timedelta,
    on_mail_queued: Callable[[], None],
) -> None:
    """Remember since when a receiver fails; disable it, and tell its owner, past the limit."""
    sub = await uow.repo.get_subscription(subscription_id, for_update=True)
    if sub is None or sub.status != "active":
        return
    since = sub.failing_since or now
    if now - since < disable_after:
        if sub.failing_since is None:
            await uow.repo.mark_failing(sub.id, since=now)
        return
    reason = (
        f"every delivery failed since {since:%Y-%m-%d %H:%M} UTC; fix the receiver, then resume"
    )
    await _disable(uow, sub, reason=reason, since=since, now=now, on_mail_queued=on_mail_queued)


async def _end_gone(
    uow: UnitOfWork[Repository],
    subscription_id: uuid.UUID,
    *,
    now: datetime,
    on_mail_queued: Callable[[], None],
) -> None:
    """A receiver that answered 410 Gone wants nothing more: its subscription is disabled at once."""
    sub = await uow.repo.get_subscription(subscription_id, for_update=True)
    if sub is None or sub.status != "active":
        return
    reason = (
        f"the receiver answered 410 Gone at {now:%Y-%m-%d %H:%M} UTC; "
        "resume the subscription if it should receive again"
    )
    await _disable(
        uow, sub, reason=reason, since=now, now=now, gone=True, on_mail_queued=on_mail_queued
    )


async def _disable(
    uow: UnitOfWork[Repository],
    sub,
    *,
    reason: str,
    since: datetime,
    now: datetime,
    gone: bool = False,
    on_mail_queued: Callable[[], None],
) -> None:
    """Disable a subscription, say so in an event, and tell its owner."""
    await uow.repo.disable_subscription(sub.id, reason=reason, now=now)
    await uow.emit(
        SubscriptionPaused(subscription_id=sub.id, status="disabled", reason=reason),
        subject=str(sub.id),
    )
    if sub.contact_email:
        context = {
            "url": sub.url,
            "since": since.isoformat(),
            "subscription_id": str(sub.id),
            "gone": gone,
        }
        await emails.queue(
            uow,
            [Email("webhook_disabled", sub.contact_email, sub.language, context)],
            event_id=f"disabled:{sub.id}:{now.isoformat()}",
            event_type="notification.subscription.paused",
        )
        uow.after_commit(on_mail_queued)
