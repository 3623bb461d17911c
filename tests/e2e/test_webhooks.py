"""Webhook subscriptions: SSRF refusals, per-endpoint queues, pause, ping, rotation, disabling, the log."""

import json
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from plenary_client import Forbidden, NotFound, notification
from plenary_devstack.receiver import WebhookReceiver
from plenary_devstack.testing import wait_for


@pytest.fixture
def receiver():
    made = WebhookReceiver()
    yield made
    made.close()


def _subscribe(api, receiver, *, token=None, **extra) -> notification.SubscriptionCreated:
    body = {"url": receiver.url, "event_types": ["registration.*"], **extra}
    created = api.plenary(token).notification.create_subscription(body)
    receiver.secret = created.secret
    receiver.subscription_id = str(created.id)
    return created


def _nominations(api, meeting, delegation, count) -> list[str]:
    return [api.submit(meeting["id"], delegation["id"])["id"] for _ in range(count)]


def _submitted(receiver, application_ids) -> set[str]:
    return {
        e["data"]["application_id"]
        for e in receiver.events(event_type="registration.application.submitted")
        if e["data"]["application_id"] in application_ids
    }


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8004/hook", "loopback"),
        ("http://10.0.0.1/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://localhost:8004/hook", "loopback"),
        ("http://192.168.1.10/hook", "private"),
        ("ftp://example.org/hook", "http"),
    ],
)
def test_webhooks_to_internal_addresses_are_refused(api, client, url, reason):
    before = client.notification.list_subscriptions().total
    # raw HTTP: the refused body itself
    response = api.call(
        "notification", "POST", "/v1/subscriptions", json={"url": url, "event_types": ["*"]}
    )
    assert response.status_code == 422, response.text
    assert reason in json.dumps(response.json())  # the detail, or the field error for a scheme
    assert client.notification.list_subscriptions().total == before


def test_a_redirect_is_not_followed(api, client, receiver):
    target = WebhookReceiver(host="127.0.0.2")
    receiver.redirect_to = target.url
    try:
        subscription = _subscribe(api, receiver)
        meeting = api.create_meeting()
        delegation = api.register_delegation(meeting["id"])
        _nominations(api, meeting, delegation, 1)
        failed = wait_for(
            lambda: client.notification.list_deliveries(subscription.id, status="failed").items,
            what="the redirected delivery to fail",
        )
        assert "redirects are not followed" in (failed[0].last_error or "")
        assert failed[0].attempts == 1  # a redirect is not retried
        assert receiver.redirected >= 1 and target.received == []
        receiver.redirect_to = None  # the receiver is fixed: the failed delivery is sent again
        # raw HTTP: the 202 is asserted
        again = api.call(
            "notification",
            "POST",
            f"/v1/subscriptions/{subscription.id}/deliveries/{failed[0].id}/redelivery",
        )
        assert again.status_code == 202 and again.json()["status"] == "pending"
        wait_for(
            lambda: receiver.events(event_type=failed[0].event_type),
            what="the manual redelivery",
        )
    finally:
        target.close()


def test_a_slow_receiver_does_not_hold_back_a_fast_one(api, receiver):
    slow = WebhookReceiver(delay=2.0)
    try:
        _subscribe(api, slow)
        _subscribe(api, receiver)
        meeting = api.create_meeting()
        delegation = api.register_delegation(meeting["id"], quota=20)
        ids = set(_nominations(api, meeting, delegation, 12))
        wait_for(lambda: _submitted(receiver, ids) == ids, what="the fast receiver to get all")
        # the slow one takes 2 s per request, 4 at a time: it is still far behind
        assert len(_submitted(slow, ids)) < len(ids)
        wait_for(lambda: _submitted(slow, ids) == ids, timeout=60, what="the slow one to catch up")
    finally:
        slow.close()


def test_each_event_arrives_once_across_retries_and_a_restart(api, client, receiver, platform):
    subscription = _subscribe(api, receiver)
    receiver.fail_next = 4
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=20)
    first = set(_nominations(api, meeting, delegation, 5))
    wait_for(lambda: receiver.rejected >= 4, what="the receiver to refuse four deliveries")
    platform.stop_service("notification")
    second = set(_nominations(api, meeting, delegation, 5))
    platform.start_service("notification")
    platform.wait_ready(("notification",))
    wanted = first | second
    wait_for(lambda: _submitted(receiver, wanted) == wanted, timeout=60, what="all ten")
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids)), "an event was delivered twice"
    log = client.notification.list_deliveries(subscription.id)
    histories = [
        client.notification.list_attempts(subscription.id, d.id)
        for d in log.items
        if d.attempts > 1
    ]
    # the refused deliveries were tried again until the receiver took them
    retried = [h for h in histories if h[0].status_code == 503]
    assert retried and all(h[-1].status_code == 204 for h in retried)
    attempts = retried[0]
    assert all(a.latency_ms >= 0 for a in attempts)


def test_pause_keeps_events_for_resume_and_a_ping_tests_the_endpoint(api, client, receiver):
    subscription = _subscribe(api, receiver)
    # raw HTTP: the 202 is asserted
    ping = api.call("notification", "POST", f"/v1/subscriptions/{subscription.id}/ping")
    assert ping.status_code == 202
    wait_for(lambda: receiver.events(event_type="notification.ping"), what="the ping")

    hooks = client.notification
    paused = hooks.pause_subscription(subscription.id, {"reason": "receiver maintenance"})
    assert paused.status == "paused" and paused.status_reason == "receiver maintenance"
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    ids = set(_nominations(api, meeting, delegation, 2))
    wait_for(
        lambda: (
            hooks.list_deliveries(
                subscription.id, status="pending", event_type="registration.application.submitted"
            ).total
            == 2
        ),
        what="two deliveries waiting",
    )
    assert _submitted(receiver, ids) == set()
    assert hooks.resume_subscription(subscription.id).status == "active"
    wait_for(lambda: _submitted(receiver, ids) == ids, what="the waiting deliveries")


def test_a_rotated_secret_signs_beside_the_old_one_during_the_grace_period(api, client, receiver):
    subscription = _subscribe(api, receiver)
    old_secret = subscription.secret
    rotated = client.notification.rotate_secret(subscription.id)
    new_secret = rotated.secret
    assert new_secret != old_secret and rotated.previous_valid_until
    receiver.secret = new_secret
    client.notification.ping_subscription(subscription.id)
    [ping] = wait_for(
        lambda: [r for r in receiver.received if "notification.ping" in r.body],
        what="the ping",
    )
    assert len(ping.headers["webhook-signature"].split()) == 2
    Webhook(old_secret).verify(ping.body, ping.headers)  # a receiver not yet updated still verifies
    Webhook(new_secret).verify(ping.body, ping.headers)


def test_a_receiver_failing_too_long_is_disabled_and_its_owner_told(
    api, client, receiver, platform, mailbox
):
    platform.extra_env["NOTIFICATION_WEBHOOK_DISABLE_AFTER_SECONDS"] = "1"
    platform.stop_service("notification")
    platform.start_service("notification")
    platform.wait_ready(("notification",))
    try:
        receiver.fail_next = 10_000
        subscription = _subscribe(api, receiver, contact_email="hooks.owner@example.org")
        meeting = api.create_meeting()
        delegation = api.register_delegation(meeting["id"])
        _nominations(api, meeting, delegation, 1)
        disabled = wait_for(
            lambda: (
                s
                if (s := client.notification.get_subscription(subscription.id)).status == "disabled"
                else None
            ),
            what="the subscription to be disabled",
        )
        assert "failed since" in (disabled.status_reason or "")
        [told] = mailbox.wait_for("hooks.owner@example.org")
        assert told.subject == "Your Plenary webhook was disabled"
        assert receiver.url in told.body("plain")
    finally:
        del platform.extra_env["NOTIFICATION_WEBHOOK_DISABLE_AFTER_SECONDS"]
        platform.stop_service("notification")
        platform.start_service("notification")
        platform.wait_ready(("notification",))
    receiver.fail_next = 0
    resumed = client.notification.resume_subscription(subscription.id)
    assert resumed.status == "active" and resumed.status_reason is None
    wait_for(
        lambda: receiver.events(event_type="registration.application.submitted"),
        what="the delivery that waited while the subscription was disabled",
    )


def test_a_focal_point_subscribes_only_to_its_own_delegation(api, client, receiver):
    meeting = api.create_meeting()
    mine = api.register_delegation(meeting["id"])
    theirs = api.register_delegation(meeting["id"])
    focal_point = api.token_for("focal_point", delegation_id=mine["id"], subject="fp.hooks@x.org")
    own_hooks = api.plenary(focal_point).notification
    with pytest.raises(Forbidden):
        own_hooks.create_subscription(
            {"url": receiver.url, "event_types": ["*"], "delegation_id": theirs["id"]}
        )
    subscription = _subscribe(api, receiver, token=focal_point)
    assert str(subscription.delegation_id) == mine["id"]
    own = set(_nominations(api, meeting, mine, 2))
    other = set(_nominations(api, meeting, theirs, 2))
    wait_for(lambda: _submitted(receiver, own) == own, what="its own delegation's events")
    api.wait_state(next(iter(other)))
    assert _submitted(receiver, other) == set()
    # another owner's subscription does not exist for it, and the list shows only its own
    organisers = client.notification.list_subscriptions().items
    assert all(s.id != subscription.id for s in organisers)
    for s in organisers[:1]:
        with pytest.raises(NotFound):
            own_hooks.get_subscription(s.id)
    listed = own_hooks.list_subscriptions()
    assert [s.id for s in listed.items] == [subscription.id]


def test_an_email_subscription_mails_each_event(api, client, mailbox):
    client.notification.create_subscription(
        {
            "channel": "email",
            "email": "desk.watch@example.org",
            "language": "ru",
            "event_types": ["delegation.delegation.registered"],
        }
    )
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    found = wait_for(
        lambda: [
            c for c in mailbox.to("desk.watch@example.org") if delegation["id"] in c.body("plain")
        ],
        what="the e-mail of the new delegation",
    )
    assert found[0].subject == "Plenary: delegation.delegation.registered"
    assert "Событие" in found[0].body("plain")


SUBMITTED = "registration.application.submitted"


def _deliveries(client, subscription_id) -> list[notification.DeliveryRead]:
    return client.notification.list_deliveries(subscription_id).items


def _attempts(client, subscription_id, delivery_id) -> list[notification.AttemptRead]:
    return client.notification.list_attempts(subscription_id, delivery_id)


async def test_a_receiver_answering_410_is_tried_once_and_its_subscription_ends(
    api, client, receiver, kafka, mailbox
):
    receiver.fail_next, receiver.fail_status = 10_000, 410
    subscription = _subscribe(
        api, receiver, event_types=[SUBMITTED], contact_email="gone.owner@example.org"
    )
    sid = str(subscription.id)
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    _nominations(api, meeting, delegation, 1)
    disabled = wait_for(
        lambda: (
            s if (s := client.notification.get_subscription(sid)).status == "disabled" else None
        ),
        what="the subscription to end",
    )
    assert "410 Gone" in (disabled.status_reason or "")
    [(_, paused)] = await kafka.wait_events(
        "notification.events", event_type="notification.subscription.paused", subject=sid
    )
    assert paused["data"]["status"] == "disabled" and "410 Gone" in paused["data"]["reason"]
    [told] = mailbox.wait_for("gone.owner@example.org")
    assert "410 Gone" in told.body("plain") and receiver.url in told.body("plain")
    [failed] = _deliveries(client, sid)
    assert (failed.status, failed.attempts) == ("failed", 1)  # not retried
    assert [a.status_code for a in _attempts(client, sid, failed.id)] == [410]
    # a later event: a receiver still subscribed gets it, the ended one is neither sent it nor
    # keeps it
    control = WebhookReceiver()
    try:
        _subscribe(api, control, event_types=[SUBMITTED])
        [later] = _nominations(api, meeting, delegation, 1)
        wait_for(lambda: _submitted(control, {later}), what="the later event at another receiver")
    finally:
        control.close()
    assert receiver.rejected == 1 and receiver.received == []
    assert [d.id for d in _deliveries(client, sid)] == [failed.id]


def test_a_retry_after_is_waited_for_before_the_event_is_sent_again(api, client, receiver):
    receiver.fail_next, receiver.fail_headers = 1, {"Retry-After": "2"}
    subscription = _subscribe(api, receiver, event_types=[SUBMITTED])
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    ids = set(_nominations(api, meeting, delegation, 1))
    wait_for(lambda: _submitted(receiver, ids) == ids, what="the event after the Retry-After")
    [delivery] = _deliveries(client, subscription.id)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    refused, taken = sorted(_attempts(client, subscription.id, delivery.id), key=lambda a: a.at)
    assert (refused.status_code, taken.status_code) == (503, 204)
    # the test schedule's first wait is 0.2 s: only the receiver's Retry-After made it 2 s
    assert taken.at - refused.at >= timedelta(seconds=2)
    assert receiver.rejected == 1 and len(receiver.received) == 1
