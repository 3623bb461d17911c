"""After some traffic, /metrics exposes every family operators' dashboards read, with its labels."""

import re
import uuid

from prometheus_client.parser import text_string_to_metric_families

from plenary_devstack.testing import POISON, wait_for

SERVICES = ("scheduling", "delegation", "registration", "notification")
NOMINATE = "/v1/meetings/{meeting_id}/applications"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def _scrape(api, service: str) -> dict[str, list]:
    """Each family's samples, by sample name."""
    response = api.call(service, "GET", "/metrics", token="")
    assert response.status_code == 200
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def _labelled(samples, name: str, **labels) -> list:
    return [s for s in samples.get(name, []) if labels.items() <= s.labels.items()]


async def test_metrics_name_routes_lag_outbox_dead_letters_deliveries_and_the_pool(
    api, webhook, mailbox, producer
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    application = api.nominate(meeting["id"], delegation["id"]).json()
    api.wait_state(application["id"])
    wait_for(
        lambda: webhook.events(
            event_type="registration.application.nominated", subject=application["id"]
        ),
        what="the nomination's webhook",
    )
    email = f"metrics.{uuid.uuid4().hex[:8]}@example.org"
    assigned = api.call(
        "delegation",
        "POST",
        f"/v1/delegations/{delegation['id']}/focal-points",
        json={"email": email, "name": "Focal Point", "language": "en"},
    )
    assert assigned.status_code == 201, assigned.text
    mailbox.wait_for(email, timeout=120)
    # a record no consumer can read goes to the dead letters of those that read its topic
    await producer.send_and_wait(
        "registration.events", b"not an event (metrics test)", headers=[POISON]
    )

    registration = _scrape(api, "registration")
    [nominated] = _labelled(
        registration,
        "plenary_http_request_duration_seconds_count",
        service="registration",
        route=NOMINATE,
        method="POST",
        status="202",
    )
    assert nominated.value >= 1
    for name in ("_bucket", "_sum", "_count"):
        for sample in registration["plenary_http_request_duration_seconds" + name]:
            assert {"service", "route", "method", "status"} <= sample.labels.keys()
            assert not UUID.search(sample.labels["route"]), "a raw path, not the route template"

    for service in SERVICES:
        samples = _scrape(api, service)
        for gauge in (
            "plenary_outbox_backlog",
            "plenary_outbox_oldest_age_seconds",
            "plenary_parked_events",
            "plenary_db_pool_in_use",
        ):
            [sample] = _labelled(samples, gauge, service=service)
            assert sample.value >= 0
        lags = _labelled(samples, "plenary_consumer_lag", service=service)
        assert lags, f"{service} holds partitions, so it reports their lag"
        assert all(s.labels.keys() == {"service", "topic", "partition"} for s in lags)
        assert all(s.value >= 0 for s in lags)

    def delivered_and_dead_lettered():
        # each outcome is counted once it is recorded, a moment after the receiver has it
        samples = _scrape(api, "notification")
        found = [
            *_labelled(samples, "plenary_deliveries_total", channel="webhook", outcome="delivered"),
            *_labelled(samples, "plenary_deliveries_total", channel="email", outcome="delivered"),
            *_labelled(
                samples,
                "plenary_dead_letters_total",
                service="notification",
                topic="registration.events",
            ),
        ]
        return samples if len(found) == 3 else None

    notification = wait_for(
        delivered_and_dead_lettered,
        what="a webhook and an e-mail delivered, and the unreadable record dead-lettered",
    )
    for channel in ("webhook", "email"):
        [count] = _labelled(
            notification, "plenary_delivery_duration_seconds_count", channel=channel
        )
        assert count.value >= 1
    # the families the platform had before are still there
    assert "plenary_events_published_total" in registration
    assert "plenary_events_consumed_total" in notification

    # the unreadable record cannot be replayed: a clear 409, and it stays a dead letter
    listed = api.call("notification", "GET", "/v1/ops/dead-letters", params={"limit": 500}).json()
    [dead] = [
        d for d in listed["items"] if d["topic"] == "registration.events" and not d["event_type"]
    ]
    replayed = api.call("notification", "POST", f"/v1/ops/dead-letters/{dead['id']}/replay")
    assert replayed.status_code == 409, replayed.text
    assert "its value is no CloudEvent" in replayed.json()["detail"]
    again = api.call("notification", "GET", "/v1/ops/dead-letters", params={"limit": 500}).json()
    assert dead["id"] in {d["id"] for d in again["items"]}
