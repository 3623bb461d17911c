"""Subscription use cases: who may subscribe to what; create, change, pause, resume, ping,
rotate, delete; a delivery sent again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from plenary_notification.adapters import egress, webhooks
from plenary_notification.domain.commands import SubscriptionCreate, SubscriptionUpdate
from plenary_notification.domain.emails import Email
from plenary_notification.domain.model import Scope, Sends, rules_of
from plenary_notification.service_layer import emails
from plenary_shared.auth import Principal
from plenary_shared.authz import Grant
from plenary_shared.authz import Scope as Reach
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import Conflict, Forbidden, Invalid, NotFound
from plenary_shared.events.notification import (
    SecretRotated,
    SubscriptionCreated,
    SubscriptionPaused,
    SubscriptionResumed,
)

if TYPE_CHECKING:
    from plenary_notification.adapters.repository import Repository

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


def check_owned(row, subscription_id: uuid.UUID, grant: Grant):
    """A subscription the caller made, within what it may see now; others' do not exist for it."""
    principal = grant.principal
    if row is None or (row.owner, row.owner_role) != (principal.subject, principal.role.value):
        raise NotFound(f"subscription {subscription_id} does not exist")
    within = scope_of(grant)
    if within.delegation_id is not None and row.delegation_id != within.delegation_id:
        raise NotFound(f"subscription {subscription_id} does not exist")
    if within.application_id is not None and row.application_id != within.application_id:
        raise NotFound(f"subscription {subscription_id} does not exist")
    return row


async def owned(
    uow: UnitOfWork[Repository], subscription_id: uuid.UUID, grant: Grant, *, lock: bool = False
):
    """The caller's subscription (`check_owned`), locked for the transaction with `lock`."""
    row = await uow.repo.get_subscription(subscription_id, for_update=lock)
    return check_owned(row, subscription_id, grant)


async def create_subscription(
    uow: UnitOfWork[Repository],
    *,
    command: SubscriptionCreate,
    principal: Principal,
    scope: Scope,
) -> uuid.UUID:
    """Register a subscription owned by the caller."""
    subscription_id = uuid.uuid4()
    await uow.repo.add_subscription(
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


async def update_subscription(
    uow: UnitOfWork[Repository],
    *,
    subscription_id: uuid.UUID,
    command: SubscriptionUpdate,
    grant: Grant,
) -> None:
    """Change what a subscription receives, or where."""
    row = await owned(uow, subscription_id, grant, lock=True)
    values = command.model_dump(exclude_unset=True)
    if "url" in values:
        if not rules_of(row.channel).has_url:
            raise Invalid(f"a {row.channel} subscription has no url")
        values["url"] = str(values["url"])
    if "delegation_id" in values:
        values["delegation_id"] = scope_of(
            grant, delegation_id=values["delegation_id"]
        ).delegation_id
    await uow.repo.change_subscription(subscription_id, values)
    uow.remember_result(subscription_id)
    await uow.commit()


async def pause(
    uow: UnitOfWork[Repository], *, subscription_id: uuid.UUID, grant: Grant, reason: str
) -> None:
    """Stop delivering; events meanwhile wait and are delivered on resume."""
    row = await owned(uow, subscription_id, grant, lock=True)
    if row.status == "paused":
        return
    await uow.repo.set_status(row.id, status="paused", reason=reason)
    await uow.emit(
        SubscriptionPaused(subscription_id=row.id, status="paused", reason=reason),
        subject=str(row.id),
    )
    await uow.commit()


async def resume(uow: UnitOfWork[Repository], *, subscription_id: uuid.UUID, grant: Grant) -> None:
    """Deliver again, starting with what waited."""
    row = await owned(uow, subscription_id, grant, lock=True)
    if row.status == "active":
        return
    await uow.repo.set_status(row.id, status="active", reason=None)
    await uow.repo.deliveries_due_now(row.id)
    await uow.emit(SubscriptionResumed(subscription_id=row.id), subject=str(row.id))
    await uow.commit()


async def rotate_secret(
    uow: UnitOfWork[Repository], *, subscription_id: uuid.UUID, grant: Grant, grace: timedelta
) -> datetime:
    """A new signing secret; the old one keeps signing too until the grace period ends."""
    row = await owned(uow, subscription_id, grant, lock=True)
    if not rules_of(row.channel).signed:
        raise Conflict(f"a {row.channel} subscription has no signing secret")
    until = datetime.now(UTC) + grace
    await uow.repo.rotate_secret(
        row.id, secret=webhooks.new_secret(), previous_secret=row.secret, until=until
    )
    await uow.emit(
        SecretRotated(subscription_id=row.id, previous_valid_until=until), subject=str(row.id)
    )
    uow.remember_result(row.id)
    await uow.commit()
    return until


async def ping(
    uow: UnitOfWork[Repository],
    *,
    subscription_id: uuid.UUID,
    grant: Grant,
    on_queued: Callable[[], None],
) -> uuid.UUID:
    """Queue a test delivery (`notification.ping`) to the subscription alone."""
    row = await owned(uow, subscription_id, grant, lock=True)
    rules = rules_of(row.channel)
    if rules.no_ping is not None:
        raise Conflict(rules.no_ping)
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
    if rules.sends is Sends.EMAIL:
        await emails.queue(
            uow,
            [Email("event", row.email, row.language, {"event": envelope})],
            event_id=event_id,
            event_type=PING,
        )
    elif rules.sends is Sends.DELIVERY:
        await uow.repo.add_delivery(
            id=delivery_id,
            subscription_id=row.id,
            event_id=event_id,
            event_type=PING,
            envelope=envelope,
        )
    uow.after_commit(on_queued)
    uow.remember_result(delivery_id)
    await uow.commit()
    return delivery_id


async def delete_subscription(
    uow: UnitOfWork[Repository], *, subscription_id: uuid.UUID, grant: Grant
) -> None:
    """Stop a subscription for good; pending deliveries are cancelled."""
    row = await owned(uow, subscription_id, grant, lock=True)
    await uow.repo.delete_subscription(row.id)
    await uow.commit()


async def redeliver(
    uow: UnitOfWork[Repository],
    *,
    subscription_id: uuid.UUID,
    delivery_id: uuid.UUID,
    grant: Grant,
    on_queued: Callable[[], None],
) -> None:
    """Send a failed (or delivered) event again, with a fresh set of attempts."""
    await owned(uow, subscription_id, grant)
    row = await uow.repo.get_delivery(delivery_id)
    if row is None or row.subscription_id != subscription_id:
        raise NotFound(f"delivery {delivery_id} does not exist")
    if row.status == "pending":
        raise Conflict("this delivery is still being tried; wait for its outcome")
    await uow.repo.redeliver(delivery_id)
    uow.after_commit(on_queued)
    uow.remember_result(delivery_id)
    await uow.commit()
