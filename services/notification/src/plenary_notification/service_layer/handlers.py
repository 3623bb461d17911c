"""Subscription use cases: create, change, pause, resume, ping, rotate; fan-out; delivery results."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from plenary_notification.adapters import egress, repository, webhooks
from plenary_notification.adapters.tables import deliveries, delivery_attempts, subscriptions
from plenary_notification.domain.emails import Email
from plenary_notification.domain.model import Scope, concerns, next_delay
from plenary_notification.entrypoints.api.schemas import SubscriptionCreate, SubscriptionUpdate
from plenary_notification.service_layer import emails
from plenary_shared.auth import Principal
from plenary_shared.authz import Grant
from plenary_shared.authz import Scope as Reach
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, Forbidden, Invalid, NotFound
from plenary_shared.events.notification import (
    DeliveryFailed,
    SecretRotated,
    SubscriptionCreated,
    SubscriptionPaused,
    SubscriptionResumed,
)

PING = "notification.ping"


def scope_of(grant: Grant, *, delegation_id: uuid.UUID | None = None) -> Scope:
    """What the caller may see, so what its subscriptions receive: by its grant, never by a claim."""
    principal = grant.principal
    if grant.scope is Reach.OWN_DELEGATION and principal.delegation_id is not None:
        if delegation_id not in (None, principal.delegation_id):
            raise Forbidden("a focal point subscribes only to its own delegation's events")
        return Scope(delegation_id=principal.delegation_id)
    if grant.scope is Reach.OWN_APPLICATION:
        if delegation_id is not None:
            raise Forbidden("a participant subscribes only to its own events, not a delegation's")
        try:
            return Scope(application_id=uuid.UUID(principal.subject))
        except ValueError as exc:
            raise Forbidden("this participant token names no application") from exc
    if grant.scope in (Reach.ALL, Reach.OWN) and principal.is_organiser:
        return Scope(delegation_id=delegation_id)
    raise Forbidden("this token cannot subscribe to notifications")


async def check_destination(url, policy: egress.EgressPolicy) -> None:
    """A webhook may point only at an address the egress policy allows (checked again on send)."""
    if url is not None:
        try:
            await egress.check_url(str(url), policy)
        except egress.Refused as exc:
            raise Invalid(
                f"webhooks cannot go to this address: {exc}. Use a public address "
                "(NOTIFICATION_WEBHOOK_ALLOWED_HOSTS lists exceptions for development)"
            ) from exc


async def create_subscription(
    uow: UnitOfWork, *, command: SubscriptionCreate, principal: Principal, scope: Scope
) -> uuid.UUID:
    """Register a subscription owned by the caller."""
    subscription_id = uuid.uuid4()
    await uow.conn.execute(
        subscriptions.insert().values(
            id=subscription_id,
            owner=principal.subject,
            owner_role=principal.role.value,
            channel=command.channel,
            url=str(command.url) if command.url else None,
            email=command.email.lower() if command.email else None,
            language=command.language,
            event_types=command.event_types,
            meeting_id=command.meeting_id,
            delegation_id=scope.delegation_id,
            application_id=scope.application_id,
            description=command.description,
            contact_email=command.contact_email,
            secret=webhooks.new_secret(),
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
    uow.remember_result(subscription_id)
    await uow.commit()
    return subscription_id


async def owned(conn, subscription_id: uuid.UUID, grant: Grant, *, lock: bool = False):
    """A subscription the caller made, within what it may see now; others' do not exist for it."""
    row = await repository.get_subscription(conn, subscription_id, for_update=lock)
    principal = grant.principal
    if row is None or (row.owner, row.owner_role) != (principal.subject, principal.role.value):
        raise NotFound(f"subscription {subscription_id} does not exist")
    within = scope_of(grant)
    if within.delegation_id is not None and row.delegation_id != within.delegation_id:
        raise NotFound(f"subscription {subscription_id} does not exist")
    if within.application_id is not None and row.application_id != within.application_id:
        raise NotFound(f"subscription {subscription_id} does not exist")
    return row


async def update_subscription(
    uow: UnitOfWork,
    *,
    subscription_id: uuid.UUID,
    command: SubscriptionUpdate,
    grant: Grant,
) -> None:
    """Change what a subscription receives, or where."""
    row = await owned(uow.conn, subscription_id, grant, lock=True)
    values = command.model_dump(exclude_unset=True)
    if "url" in values:
        if row.channel != "webhook":
            raise Invalid(f"a {row.channel} subscription has no url")
        values["url"] = str(values["url"])
    if "delegation_id" in values:
        values["delegation_id"] = scope_of(
            grant, delegation_id=values["delegation_id"]
        ).delegation_id
    await uow.conn.execute(
        update(subscriptions)
        .where(subscriptions.c.id == subscription_id)
        .values(**values, updated_at=datetime.now(UTC))
    )
    uow.remember_result(subscription_id)
    await uow.commit()


async def pause(uow: UnitOfWork, *, subscription_id: uuid.UUID, grant: Grant, reason: str) -> None:
    """Stop delivering; events meanwhile wait and are delivered on resume."""
    row = await owned(uow.conn, subscription_id, grant, lock=True)
    if row.status == "paused":
        return
    await _set_status(uow, row, status="paused", reason=reason)
    await uow.emit(
        SubscriptionPaused(subscription_id=row.id, status="paused", reason=reason),
        subject=str(row.id),
    )
    await uow.commit()


async def resume(uow: UnitOfWork, *, subscription_id: uuid.UUID, grant: Grant) -> None:
    """Deliver again, starting with what waited."""
    row = await owned(uow.conn, subscription_id, grant, lock=True)
    if row.status == "active":
        return
    await _set_status(uow, row, status="active", reason=None)
    await uow.conn.execute(
        update(deliveries)
        .where(deliveries.c.subscription_id == row.id, deliveries.c.status == "pending")
        .values(next_attempt_at=datetime.now(UTC))
    )
    await uow.emit(SubscriptionResumed(subscription_id=row.id), subject=str(row.id))
    await uow.commit()


async def _set_status(uow: UnitOfWork, row, *, status: str, reason: str | None) -> None:
    await uow.conn.execute(
        update(subscriptions)
        .where(subscriptions.c.id == row.id)
        .values(
            status=status,
            status_reason=reason,
            failing_since=None,
            updated_at=datetime.now(UTC),
        )
    )


async def rotate_secret(
    uow: UnitOfWork, *, subscription_id: uuid.UUID, grant: Grant, grace: timedelta
) -> datetime:
    """A new signing secret; the old one keeps signing too until the grace period ends."""
    row = await owned(uow.conn, subscription_id, grant, lock=True)
    if row.channel != "webhook":
        raise Conflict(f"a {row.channel} subscription has no signing secret")
    until = datetime.now(UTC) + grace
    await uow.conn.execute(
        update(subscriptions)
        .where(subscriptions.c.id == row.id)
        .values(
            secret=webhooks.new_secret(),
            previous_secret=row.secret,
            previous_secret_expires_at=until,
            updated_at=datetime.now(UTC),
        )
    )
    await uow.emit(
        SecretRotated(subscription_id=row.id, previous_valid_until=until), subject=str(row.id)
    )
    uow.remember_result(row.id)
    await uow.commit()
    return until


async def ping(
    uow: UnitOfWork, *, subscription_id: uuid.UUID, grant: Grant, on_queued
) -> uuid.UUID:
    """Queue a test delivery (`notification.ping`) to the subscription alone."""
    row = await owned(uow.conn, subscription_id, grant, lock=True)
    if row.channel == "stream":
        raise Conflict(
            "a stream subscription is read with GET /v1/stream; there is nothing to ping"
        )
    event_id = str(uuid.uuid4())
    envelope = CloudEvent(
        id=event_id,
        source="/plenary/notification",
        type=PING,
        subject=str(row.id),
        time=datetime.now(UTC),
        data={"subscription_id": str(row.id), "message": "a test delivery you asked for"},
    ).model_dump(mode="json", exclude_none=True)
    delivery_id = uuid.uuid4()
    if row.channel == "email":
        await emails.queue(
            uow,
            [Email("event", row.email, row.language, {"event": envelope})],
            event_id=event_id,
            event_type=PING,
        )
    else:
        await uow.conn.execute(
            deliveries.insert().values(
                id=delivery_id,
                subscription_id=row.id,
                event_id=event_id,
                event_type=PING,
                envelope=envelope,
            )
        )
    uow.after_commit(on_queued)
    uow.remember_result(delivery_id)
    await uow.commit()
    return delivery_id


async def delete_subscription(uow: UnitOfWork, *, subscription_id: uuid.UUID, grant: Grant) -> None:
    """Stop a subscription for good; pending deliveries are cancelled."""
    row = await owned(uow.conn, subscription_id, grant, lock=True)
    await uow.conn.execute(
        deliveries.update()
        .where(deliveries.c.subscription_id == row.id, deliveries.c.status == "pending")
        .values(status="cancelled")
    )
    await uow.conn.execute(subscriptions.delete().where(subscriptions.c.id == row.id))
    await uow.commit()


async def redeliver(
    uow: UnitOfWork,
    *,
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
    grant: Grant,
    on_queued,
) -> None:
    """Send a failed (or delivered) event again, with a fresh set of attempts."""
    await owned(uow.conn, subscription_id, grant)
    row = await repository.get_delivery(uow.conn, delivery_id)
    if row is None or row.subscription_id != subscription_id:
        raise NotFound(f"delivery {delivery_id} does not exist")
    if row.status == "pending":
        raise Conflict("this delivery is still being tried; wait for its outcome")
    await uow.conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id)
        .values(status="pending", attempts=0, next_attempt_at=datetime.now(UTC), lease_until=None)
    )
    uow.after_commit(on_queued)
    uow.remember_result(delivery_id)
    await uow.commit()


async def on_event(
    uow: UnitOfWork,
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
        uow.memo["subscriptions"] = await repository.receiving_subscriptions(uow.conn)
    for sub in uow.memo["subscriptions"]:
        if not concerns(sub, event.type, event.data):
            continue
        if sub.channel == "webhook":
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "subscription_id": sub.id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "envelope": envelope,
                }
            )
        elif sub.channel == "email" and sub.status == "active":
            mails.append(Email("event", sub.email, sub.language, {"event": envelope}))
    if rows:
        # the transaction's deliveries go in one statement, just before it commits
        queued = uow.memo.setdefault("deliveries", [])
        if not queued:
            uow.before_commit("deliveries", lambda: _queue_deliveries(uow, queued))
        queued.extend(rows)
        uow.after_commit(on_queued)
    if mails:
        await emails.queue(uow, mails, event_id=event.id, event_type=event.type)
        uow.after_commit(on_mail_queued)


async def _queue_deliveries(uow: UnitOfWork, rows: list[dict]) -> None:
    await uow.conn.execute(insert(deliveries).on_conflict_do_nothing(), rows)


async def record_failure(
    uow: UnitOfWork,
    *,
    delivery,
    attempt: webhooks.Attempt,
    max_attempts: int,
    backoff: float,
    backoff_cap: float,
    disable_after: timedelta,
    on_mail_queued: Callable[[], None],
) -> str:
    """Log a failed attempt: the delivery is retried later or given up (and told), and a
    receiver failing too long is disabled. Successes are settled in batches by the dispatcher."""
    assert attempt.error is not None
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
    if attempt.permanent or delivery.attempts >= max_attempts:
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
    await _track_failure(
        uow,
        delivery.subscription_id,
        now=now,
        disable_after=disable_after,
        on_mail_queued=on_mail_queued,
    )
    await uow.commit()
    return values.get("status", "pending")


async def _track_failure(uow, subscription_id, *, now, disable_after, on_mail_queued) -> None:
    """Remember since when a receiver fails; disable it, and tell its owner, past the limit."""
    s = subscriptions
    sub = await repository.get_subscription(uow.conn, subscription_id, for_update=True)
    if sub is None or sub.status != "active":
        return
    since = sub.failing_since or now
    if now - since < disable_after:
        if sub.failing_since is None:
            await uow.conn.execute(update(s).where(s.c.id == sub.id).values(failing_since=now))
        return
    reason = (
        f"every delivery failed since {since:%Y-%m-%d %H:%M} UTC; fix the receiver, then resume"
    )
    await uow.conn.execute(
        update(s)
        .where(s.c.id == sub.id)
        .values(status="disabled", status_reason=reason, updated_at=now)
    )
    await uow.emit(
        SubscriptionPaused(subscription_id=sub.id, status="disabled", reason=reason),
        subject=str(sub.id),
    )
    if sub.contact_email:
        context = {"url": sub.url, "since": since.isoformat(), "subscription_id": str(sub.id)}
        await emails.queue(
            uow,
            [Email("webhook_disabled", sub.contact_email, sub.language, context)],
            event_id=f"disabled:{sub.id}:{now.isoformat()}",
            event_type="notification.subscription.paused",
        )
        uow.after_commit(on_mail_queued)
