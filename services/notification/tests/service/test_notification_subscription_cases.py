"""Subscription use cases against the fake repository: what is stored, emitted and refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from plenary_notification.domain.commands import SubscriptionCreate, SubscriptionUpdate
from plenary_notification.domain.model import UnknownChannel
from plenary_notification.entrypoints.api.policy import POLICY
from plenary_notification.service_layer import subscriptions
from plenary_shared.auth import Principal, Role
from plenary_shared.errors import Conflict, Invalid, NotFound

MINE = uuid.uuid4()
FOCAL = Principal(subject="fp@example.org", role=Role.FOCAL_POINT, delegation_id=MINE, token="t")


def grant(action: str = "subscriptions.update", principal: Principal = FOCAL):
    return POLICY.grant(principal, action)


def owned_by_focal_point(repo, **values):
    return repo.subscription(
        owner=FOCAL.subject, owner_role=FOCAL.role.value, delegation_id=MINE, **values
    )


async def test_a_focal_point_s_subscription_is_stored_in_its_delegation_and_announced(repo, uow):
    command = SubscriptionCreate(
        channel="webhook", url="https://hooks.example.org/in", event_types=["registration.*"]
    )
    scope = subscriptions.scope_of(grant("subscriptions.create"))
    subscription_id = await subscriptions.create_subscription(
        uow, command=command, principal=FOCAL, scope=scope
    )
    row = repo.subscriptions[subscription_id]
    assert (row.owner, row.owner_role, row.delegation_id) == (FOCAL.subject, "focal_point", MINE)
    assert row.url == "https://hooks.example.org/in"
    assert row.secret.startswith("whsec_")
    assert uow.events("notification.subscription.created") == [
        {
            "subscription_id": str(subscription_id),
            "channel": "webhook",
            "event_types": ["registration.*"],
        }
    ]
    assert (uow.commits, uow.result) == (1, str(subscription_id))


async def test_an_e_mail_subscription_has_no_url_to_change(repo, uow):
    row = owned_by_focal_point(repo, channel="email", email="fp@example.org", event_types=["*"])
    with pytest.raises(Invalid, match="a email subscription has no url"):
        await subscriptions.update_subscription(
            uow,
            subscription_id=row.id,
            command=SubscriptionUpdate(url="https://elsewhere.example.org"),
            grant=grant(),
        )
    assert row.url is None
    assert uow.commits == 0


async def test_another_delegation_s_subscription_does_not_exist_for_the_caller(repo, uow):
    row = repo.subscription(
        owner=FOCAL.subject,
        owner_role="focal_point",
        delegation_id=uuid.uuid4(),
        channel="webhook",
        url="https://x.example.org",
        event_types=["*"],
    )
    with pytest.raises(NotFound):
        await subscriptions.pause(uow, subscription_id=row.id, grant=grant(), reason="no")
    assert row.status == "active"
    assert uow.emitted == []


async def test_a_pause_is_announced_once_however_often_it_is_asked(repo, new_uow):
    row = owned_by_focal_point(
        repo, channel="webhook", url="https://x.example.org", event_types=["*"]
    )
    first, again = new_uow(), new_uow()
    await subscriptions.pause(first, subscription_id=row.id, grant=grant(), reason="holiday")
    await subscriptions.pause(again, subscription_id=row.id, grant=grant(), reason="holiday")
    assert (row.status, row.status_reason) == ("paused", "holiday")
    assert first.events("notification.subscription.paused") == [
        {"subscription_id": str(row.id), "status": "paused", "reason": "holiday"}
    ]
    assert (again.emitted, again.commits) == ([], 0)


async def test_a_resumed_subscription_gets_what_waited_at_once(repo, uow):
    row = owned_by_focal_point(
        repo,
        channel="webhook",
        url="https://x.example.org",
        event_types=["*"],
        status="disabled",
        failing_since=datetime.now(UTC) - timedelta(days=4),
    )
    later = datetime.now(UTC) + timedelta(hours=1)
    waiting = repo.delivery(subscription_id=row.id, next_attempt_at=later)
    await subscriptions.resume(uow, subscription_id=row.id, grant=grant())
    assert (row.status, row.failing_since) == ("active", None)
    assert waiting.next_attempt_at < later
    assert uow.events("notification.subscription.resumed") == [{"subscription_id": str(row.id)}]


async def test_a_rotated_secret_keeps_the_old_one_signing_for_the_grace_period(repo, uow):
    row = owned_by_focal_point(
        repo, channel="webhook", url="https://x.example.org", event_types=["*"]
    )
    until = await subscriptions.rotate_secret(
        uow, subscription_id=row.id, grant=grant(), grace=timedelta(hours=24)
    )
    assert row.previous_secret == "whsec_old"
    assert row.secret != "whsec_old" and row.secret.startswith("whsec_")
    assert timedelta(hours=23, minutes=59) < until - datetime.now(UTC) <= timedelta(hours=24)
    assert uow.events("notification.subscription.secret_rotated")[0]["subscription_id"] == str(
        row.id
    )


async def test_an_e_mail_subscription_has_no_secret_to_rotate(repo, uow):
    row = owned_by_focal_point(repo, channel="email", email="fp@example.org", event_types=["*"])
    with pytest.raises(Conflict, match="no signing secret"):
        await subscriptions.rotate_secret(
            uow, subscription_id=row.id, grant=grant(), grace=timedelta(hours=1)
        )
    assert row.secret == "whsec_old"


async def test_a_ping_is_a_delivery_for_a_webhook_and_an_e_mail_for_an_e_mail_subscription(
    repo, new_uow
):
    hook = owned_by_focal_point(
        repo, channel="webhook", url="https://x.example.org", event_types=["*"]
    )
    mail = owned_by_focal_point(repo, channel="email", email="fp@example.org", event_types=["*"])
    woken: list[str] = []
    uow = new_uow()
    delivery_id = await subscriptions.ping(
        uow, subscription_id=hook.id, grant=grant(), on_queued=lambda: woken.append("hook")
    )
    delivery = repo.deliveries[delivery_id]
    assert (delivery.subscription_id, delivery.event_type) == (hook.id, "notification.ping")
    assert delivery.envelope["data"]["subscription_id"] == str(hook.id)
    assert woken == ["hook"]
    await subscriptions.ping(
        new_uow(), subscription_id=mail.id, grant=grant(), on_queued=lambda: woken.append("mail")
    )
    [email] = repo.emails.values()
    assert (email.kind, email.recipient, email.event_type) == (
        "event",
        "fp@example.org",
        "notification.ping",
    )
    assert len(repo.deliveries) == 1
    assert woken == ["hook", "mail"]


async def test_a_stream_subscription_cannot_be_pinged(repo, uow):
    row = owned_by_focal_point(repo, channel="stream", event_types=["*"])
    with pytest.raises(Conflict, match="read with GET /v1/stream"):
        await subscriptions.ping(uow, subscription_id=row.id, grant=grant(), on_queued=lambda: None)
    assert (repo.deliveries, repo.emails, uow.commits) == ({}, {}, 0)


async def test_an_unknown_channel_is_refused_not_taken_for_a_webhook(repo, uow):
    row = owned_by_focal_point(repo, channel="pigeon", event_types=["*"])
    with pytest.raises(UnknownChannel, match="'pigeon' is not a channel"):
        await subscriptions.ping(uow, subscription_id=row.id, grant=grant(), on_queued=lambda: None)
    assert (repo.deliveries, uow.commits) == ({}, 0)


async def test_a_deleted_subscription_s_pending_deliveries_are_cancelled(repo, uow):
    row = owned_by_focal_point(
        repo, channel="webhook", url="https://x.example.org", event_types=["*"]
    )
    pending = repo.delivery(subscription_id=row.id)
    done = repo.delivery(subscription_id=row.id, status="delivered")
    await subscriptions.delete_subscription(
        uow, subscription_id=row.id, grant=grant("subscriptions.delete")
    )
    assert row.id not in repo.subscriptions
    assert (pending.status, done.status) == ("cancelled", "delivered")


async def test_a_delivery_still_being_tried_is_not_sent_again_and_a_failed_one_starts_afresh(
    repo, new_uow
):
    row = owned_by_focal_point(
        repo, channel="webhook", url="https://x.example.org", event_types=["*"]
    )
    pending = repo.delivery(subscription_id=row.id, attempts=2)
    failed = repo.delivery(subscription_id=row.id, status="failed", attempts=8)
    with pytest.raises(Conflict, match="still being tried"):
        await subscriptions.redeliver(
            new_uow(),
            subscription_id=row.id,
            delivery_id=pending.id,
            grant=grant(),
            on_queued=lambda: None,
        )
    assert pending.attempts == 2
    await subscriptions.redeliver(
        new_uow(),
        subscription_id=row.id,
        delivery_id=failed.id,
        grant=grant(),
        on_queued=lambda: None,
    )
    assert (failed.status, failed.attempts) == ("pending", 0)
