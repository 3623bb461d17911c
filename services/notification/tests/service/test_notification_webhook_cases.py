"""Fan-out and webhook settlement against the fake repository."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from plenary_notification.adapters.webhooks import Attempt
from plenary_notification.domain.delivery import RetryPolicy
from plenary_notification.service_layer import webhooks
from plenary_shared.envelope import CloudEvent

POLICY = RetryPolicy(
    max_attempts=3, backoff_seconds=2.0, backoff_max_seconds=600.0, retry_after_max_seconds=3600
)
DELEGATION = uuid.uuid4()


def event(event_type="registration.application.nominated", **data) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="/plenary/registration",
        type=event_type,
        subject="s",
        time=datetime.now(UTC),
        data={"delegation_id": str(DELEGATION), "sealed_link": "secret"} | data,
    )


async def fan_out(uow, e, woken: list | None = None) -> None:
    woken = woken if woken is not None else []
    await webhooks.on_event(
        uow,
        e,
        on_queued=lambda: woken.append("webhooks"),
        on_mail_queued=lambda: woken.append("mail"),
    )
    await uow.commit()


def subscriptions(repo) -> dict[str, SimpleNamespace]:
    common = {"owner": "o", "owner_role": "organiser"}
    return {
        "hook": repo.subscription(
            channel="webhook", url="https://a.example.org", event_types=["registration.*"], **common
        ),
        "paused_hook": repo.subscription(
            channel="webhook",
            url="https://b.example.org",
            event_types=["*"],
            status="paused",
            **common,
        ),
        "mail": repo.subscription(
            channel="email", email="m@example.org", event_types=["registration.*"], **common
        ),
        "paused_mail": repo.subscription(
            channel="email", email="p@example.org", event_types=["*"], status="paused", **common
        ),
        "other_delegation": repo.subscription(
            channel="webhook",
            url="https://c.example.org",
            event_types=["*"],
            delegation_id=uuid.uuid4(),
            **common,
        ),
        "other_types": repo.subscription(
            channel="webhook", url="https://d.example.org", event_types=["scheduling.*"], **common
        ),
        "stream": repo.subscription(channel="stream", event_types=["*"], **common),
    }


async def test_an_event_is_queued_for_each_subscription_it_concerns_by_its_channel(repo, uow):
    subs = subscriptions(repo)
    woken: list[str] = []
    e = event()
    await fan_out(uow, e, woken)
    delivered_to = {d.subscription_id for d in repo.deliveries.values()}
    # a paused webhook keeps its events for the resume; a paused e-mail subscription misses them
    assert delivered_to == {subs["hook"].id, subs["paused_hook"].id}
    assert [(m.kind, m.recipient) for m in repo.emails.values()] == [("event", "m@example.org")]
    # the sealed link is notification's own: no receiver sees it
    for d in repo.deliveries.values():
        assert d.event_id == e.id and "sealed_link" not in d.envelope["data"]
    assert "sealed_link" not in next(iter(repo.emails.values())).context["event"]["data"]
    # the transaction's deliveries went in one statement, at the commit
    assert repo.calls.count("queue_deliveries") == 1
    assert woken == ["webhooks", "mail"]


async def test_a_replayed_event_is_delivered_once_per_subscription(repo, new_uow):
    subscriptions(repo)
    e = event()
    await fan_out(new_uow(), e)
    await fan_out(new_uow(), e)
    assert len(repo.deliveries) == 2
    assert len(repo.emails) == 1


async def test_a_batch_reads_the_subscriptions_once_and_writes_its_deliveries_once(repo, uow):
    subscriptions(repo)
    for _ in range(5):
        await webhooks.on_event(uow, event(), on_queued=lambda: None, on_mail_queued=lambda: None)
    await uow.commit()
    assert repo.calls.count("receiving_subscriptions") == 1
    assert repo.calls.count("queue_deliveries") == 1
    assert len(repo.deliveries) == 10


def leased(repo, sub, attempts: int) -> SimpleNamespace:
    return repo.delivery(subscription_id=sub.id, attempts=attempts, event_type="x.y")


async def record(uow, delivery, attempt, *, disable_after=timedelta(days=3)) -> str:
    return await webhooks.record_failure(
        uow,
        delivery=delivery,
        attempt=attempt,
        policy=POLICY,
        disable_after=disable_after,
        on_mail_queued=lambda: None,
    )


async def test_a_failed_attempt_is_tried_again_after_a_backoff_and_the_receiver_marked_failing(
    repo, uow
):
    sub = subscriptions(repo)["hook"]
    delivery = leased(repo, sub, attempts=2)
    before = datetime.now(UTC)
    outcome = await record(uow, delivery, Attempt(503, 12.0, "HTTP 503"))
    assert outcome == "pending"
    # the second attempt's backoff: between half and all of 2 s * 2^(2-1)
    assert before + timedelta(seconds=2) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= datetime.now(UTC) + timedelta(seconds=4)
    assert (delivery.status, delivery.last_error, delivery.lease_until) == (
        "pending",
        "HTTP 503",
        None,
    )
    assert [(a.status_code, a.error) for a in repo.attempts] == [(503, "HTTP 503")]
    assert sub.failing_since is not None and sub.status == "active"
    assert uow.emitted == []


async def test_the_last_allowed_attempt_gives_the_delivery_up_and_says_so(repo, uow):
    sub = subscriptions(repo)["hook"]
    delivery = leased(repo, sub, attempts=3)
    outcome = await record(uow, delivery, Attempt(500, 5.0, "HTTP 500"))
    assert (outcome, delivery.status) == ("failed", "failed")
    assert uow.events("notification.delivery.failed") == [
        {
            "delivery_id": str(delivery.id),
            "subscription_id": str(sub.id),
            "event_id": delivery.event_id,
            "event_type_delivered": "x.y",
            "attempts": 3,
            "last_error": "HTTP 500",
        }
    ]


async def test_a_permanent_refusal_is_given_up_at_the_first_attempt(repo, uow):
    delivery = leased(repo, subscriptions(repo)["hook"], attempts=1)
    assert await record(uow, delivery, Attempt(410, 1.0, "HTTP 410", permanent=True)) == "failed"


async def test_a_receiver_failing_past_the_limit_is_disabled_and_its_contact_told(repo, uow):
    sub = subscriptions(repo)["hook"]
    sub.contact_email = "ops@example.org"
    sub.failing_since = datetime.now(UTC) - timedelta(days=4)
    await record(uow, leased(repo, sub, attempts=1), Attempt(None, 10_000.0, "timeout"))
    assert sub.status == "disabled"
    [paused] = uow.events("notification.subscription.paused")
    assert (paused["subscription_id"], paused["status"]) == (str(sub.id), "disabled")
    assert [(m.kind, m.recipient) for m in repo.emails.values()] == [
        ("webhook_disabled", "ops@example.org")
    ]


async def test_a_receiver_answering_410_is_disabled_at_once_and_its_contact_told(repo, uow):
    sub = subscriptions(repo)["hook"]
    sub.contact_email = "ops@example.org"
    delivery = leased(repo, sub, attempts=1)
    gone = Attempt(410, 2.0, "receiver answered 410 Gone", permanent=True, gone=True)
    assert await record(uow, delivery, gone) == "failed"
    assert (delivery.status, sub.status) == ("failed", "disabled")
    assert "410 Gone" in sub.status_reason
    [paused] = uow.events("notification.subscription.paused")
    assert (paused["subscription_id"], paused["status"]) == (str(sub.id), "disabled")
    assert "410 Gone" in paused["reason"]
    [mail] = repo.emails.values()
    assert (mail.kind, mail.recipient, mail.context["gone"]) == (
        "webhook_disabled",
        "ops@example.org",
        True,
    )


async def test_a_retry_after_postpones_the_next_attempt(repo, uow):
    delivery = leased(repo, subscriptions(repo)["hook"], attempts=1)
    before = datetime.now(UTC)
    await record(uow, delivery, Attempt(503, 1.0, "receiver answered 503", retry_after=120.0))
    assert before + timedelta(seconds=120) <= delivery.next_attempt_at


async def test_successes_are_settled_together_and_only_untold_receivers_written(repo):
    subs = subscriptions(repo)
    hook, other = subs["hook"], subs["paused_hook"]
    first, second = leased(repo, hook, 1), leased(repo, other, 1)
    now = datetime.now(UTC)
    batch = [(first, Attempt(200, 3.0, None), False), (second, Attempt(204, 4.0, None), True)]
    await webhooks.record_successes(repo, batch, now=now)
    assert (first.status, second.status) == ("delivered", "delivered")
    assert (first.last_status_code, second.last_status_code) == (200, 204)
    assert (hook.last_success_at, other.last_success_at) == (now, None)
    assert repo.calls.count("settle_delivered") == 1
