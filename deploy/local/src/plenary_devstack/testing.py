"""Pytest fixtures: the real platform (Postgres, broker, four services) started once per session."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from plenary_client import Plenary
from plenary_devstack import infra
from plenary_devstack.mailcatcher import MailCatcher
from plenary_devstack.receiver import WebhookReceiver
from plenary_devstack.stack import Platform

FAST_TIMINGS = {
    # every service
    **{
        f"{svc}_{key}": value
        for svc in ("SCHEDULING", "DELEGATION", "REGISTRATION", "NOTIFICATION")
        for key, value in {
            "RELAY_POLL_SECONDS": "0.5",
            "CONSUMER_MAX_ATTEMPTS": "3",
            "CONSUMER_BACKOFF_SECONDS": "0.05",
            "PARK_RETRY_SECONDS": "0.3",
            "LOG_LEVEL": "INFO",
        }.items()
    },
    # test meetings lie in the past: keep their document data unless a test purges it
    "REGISTRATION_DOCUMENT_RETENTION_DAYS": "36500",
    # a killed import worker's lease runs out quickly, so a restarted one resumes at once
    "REGISTRATION_IMPORT_LEASE_SECONDS": "3",
    # eight attempts over about 8 s (the Standard Webhooks schedule's take about 27 h)
    "NOTIFICATION_WEBHOOK_RETRY_SCHEDULE_SECONDS": "0.2,0.4,0.8,1.6,2,2,2",
    # below the recommended 15 s, so that a killed worker's leases (3 timeouts) run out quickly
    "NOTIFICATION_WEBHOOK_TIMEOUT_SECONDS": "5",
    "NOTIFICATION_EMAIL_BACKOFF_SECONDS": "0.2",
    "NOTIFICATION_EMAIL_BACKOFF_MAX_SECONDS": "1",
    "NOTIFICATION_SMTP_TIMEOUT_SECONDS": "3",
    # the test receivers listen on 127.0.0.2; every other private address stays refused
    "NOTIFICATION_WEBHOOK_ALLOWED_HOSTS": "127.0.0.2",
    "NOTIFICATION_STREAM_POLL_SECONDS": "0.5",
    # schedule changes are combined per person after 3 quiet seconds (2 minutes by default)
    "NOTIFICATION_CHANGE_QUIET_SECONDS": "3",
    "NOTIFICATION_CHANGE_CHECK_SECONDS": "0.3",
}


def run_dir() -> Path:
    """Where a test session keeps its database files, keys and logs."""
    return Path(os.environ.get("PLENARY_TEST_DIR", ".run/test")).resolve()


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    """The whole platform, on free ports and a fresh database."""
    ports = {
        s: infra.free_port()
        for s in ("portal", "scheduling", "delegation", "registration", "notification")
    }
    root = run_dir()
    for log in (root / "logs").glob("*.log"):
        log.unlink()
    stack = Platform(
        root=root,
        database="plenary_test",
        ports=ports,
        broker_port=infra.free_port(),
        mail_port=infra.free_port(),
        mail_web_port=None,
        fresh_database=True,
        extra_env=FAST_TIMINGS,
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@dataclass
class Api:
    """HTTP access to the running services with a given token."""

    platform: Platform
    token: str
    sent_passports: set[str] = field(default_factory=set)
    _clients: dict[str, Plenary] = field(default_factory=dict, repr=False)

    def plenary(self, token: str | None = None) -> Plenary:
        """The typed Python client, as organiser staff or with another token (kept open)."""
        token = self.token if token is None else token
        if token not in self._clients:
            urls = {s: self.platform.url(s) for s in self.platform.ports if s != "portal"}
            self._clients[token] = Plenary(urls, token)
        return self._clients[token]

    def client(self, service: str, token: str | None = None) -> httpx.Client:
        """A client for one service; token None means the organiser's, "" means none."""
        token = self.token if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.platform.url(service), headers=headers, timeout=20)

    def call(
        self, service: str, method: str, path: str, *, token: str | None = None, **kw
    ) -> httpx.Response:
        """One request to a service."""
        body = kw.get("json")
        if isinstance(body, dict) and "passport_number" in body:
            self.sent_passports.add(str(body["passport_number"]))
        with self.client(service, token) as http:
            return http.request(method, path, **kw)

    def token_for(
        self, role: str, *, delegation_id: str | None = None, subject: str | None = None
    ) -> str:
        """A token for another role."""
        assert self.platform.keys is not None
        return self.platform.keys.token(role, delegation_id=delegation_id, subject=subject)

    def create_meeting(self, **overrides) -> dict:
        """A meeting in scheduling."""
        body = {
            "title": f"Test meeting {uuid.uuid4().hex[:6]}",
            "city": "Moscow",
            "venue": "National Centre RUSSIA",
            "timezone": "Europe/Moscow",
            "starts_on": "2025-11-17",
            "ends_on": "2025-11-18",
            **overrides,
        }
        return self.plenary().scheduling.create_meeting(body).model_dump(mode="json")

    def register_delegation(self, meeting_id: str, *, quota: int = 10, **overrides) -> dict:
        """A delegation in the delegation service."""
        body = {
            "name": f"Delegation {uuid.uuid4().hex[:6]}",
            "kind": "member",
            "quota": quota,
            **overrides,
        }
        made = self.plenary().delegation.register_delegation(meeting_id, body)
        return made.model_dump(mode="json")

    def submit(
        self, meeting_id: str, delegation_id: str, *, token: str | None = None, **overrides
    ) -> dict:
        """Submit an application through the client (a refusal raises its problem)."""
        body = person(delegation_id=delegation_id, **overrides)
        self.sent_passports.add(str(body["passport_number"]))
        submitted = self.plenary(token).registration.submit_application(meeting_id, body)
        return submitted.model_dump(mode="json")

    def nominate(
        self, meeting_id: str, delegation_id: str, *, token: str | None = None, **overrides
    ) -> httpx.Response:
        """Submit an application over raw HTTP (does not assert the outcome: for tests of the
        answer itself)."""
        body = person(delegation_id=delegation_id, **overrides)
        return self.call(
            "registration",
            "POST",
            f"/v1/meetings/{meeting_id}/applications",
            json=body,
            token=token,
        )

    def wait_state(
        self, application_id: str, *, not_in=("submitted",), timeout: float = 30
    ) -> dict:
        """Poll an application until its state leaves `not_in`."""
        registration = self.plenary().registration

        def left() -> dict | None:
            application = registration.get_application(application_id)
            return application.model_dump(mode="json") if application.state not in not_in else None

        return wait_for(
            left, timeout=timeout, what=f"application {application_id} to leave {not_in}"
        )

    def close(self) -> None:
        """Close the clients' connections."""
        for client in self._clients.values():
            client.close()


def person(**overrides) -> dict:
    """A valid application body with unique e-mail and passport number."""
    n = uuid.uuid4().hex[:8].upper()
    return {
        "given_name": "Aigerim",
        "family_name": f"Test{n.lower()}",
        "email": f"p{n.lower()}@example.org",
        "category": "delegate",
        "nationality": "KAZ",
        "passport_number": f"PZ{n}",
        "date_of_birth": "1984-02-29",
        **overrides,
    }


def wait_for(
    probe: Callable[[], object],
    *,
    timeout: float = 30,
    interval: float = 0.1,
    what: str = "condition",
):
    """Poll until `probe` returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def api(platform: Platform) -> Iterator[Api]:
    """The services, called as organiser staff."""
    assert platform.keys is not None
    api = Api(platform=platform, token=platform.keys.token("organiser", subject="test-organiser"))
    yield api
    api.close()


@pytest.fixture(scope="session")
def client(api: Api) -> Plenary:
    """The typed Python client (plenary_client), as organiser staff."""
    return api.plenary()


@pytest.fixture(scope="session")
def mailbox(platform: Platform) -> MailCatcher:
    """The real SMTP server the notification service sends to."""
    assert platform.mail is not None, "the test platform always starts its mail catcher"
    return platform.mail


@pytest.fixture(scope="session")
def webhook(api: Api) -> Iterator[WebhookReceiver]:
    """A receiver subscribed to every event type of the platform."""
    receiver = WebhookReceiver()
    made = api.plenary().notification.create_subscription(
        {"url": receiver.url, "event_types": ["*"], "description": "test receiver"}
    )
    receiver.secret = made.secret
    receiver.subscription_id = str(made.id)
    yield receiver
    receiver.close()


# the header of a record a test puts on a platform topic because no consumer can read it
POISON = ("plenary-test", b"poison")


class KafkaTap:
    """Reads topics of the real broker from the beginning, and re-sends raw records."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    async def records(self, *topics: str, idle_ms: int = 1500):
        """Every record currently on the topics (stops after `idle_ms` without new records)."""
        consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        out: list = []
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=idle_ms)
                if not batch:
                    return out
                for records in batch.values():
                    out.extend(records)
        finally:
            await consumer.stop()

    async def topics(self) -> list[str]:
        """Every topic on the broker."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
        await consumer.start()
        try:
            return sorted(await consumer.topics())
        finally:
            await consumer.stop()

    async def events(
        self, topic: str, *, event_type: str | None = None, subject: str | None = None
    ):
        """Records of a topic parsed as CloudEvents, filtered."""
        found = []
        for record in await self.records(topic):
            if POISON in record.headers:
                continue
            event = json.loads(record.value)
            if (event_type is None or event["type"] == event_type) and (
                subject is None or event["subject"] == subject
            ):
                found.append((record, event))
        return found

    async def wait_events(self, topic: str, *, timeout: float = 30, **filters):
        """Wait until at least one matching event is on the topic; returns all matching."""
        deadline = time.monotonic() + timeout
        while not (found := await self.events(topic, **filters)):
            if time.monotonic() > deadline:
                pytest.fail(f"no {filters} on {topic} within {timeout}s")
            await asyncio.sleep(0.2)
        return found

    async def committed(self, group: str, topic: str, partition: int) -> int:
        """The committed offset of a consumer group (-1 when none).

        Asked through a consumer of that group that never subscribes, so it never joins it
        (the admin client's OffsetFetch version does not decode against Tansu).
        """
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            offset = await consumer.committed(TopicPartition(topic, partition))
        finally:
            await consumer.stop()
        return -1 if offset is None else offset

    async def wait_consumed(
        self, group: str, topic: str, partition: int, offset: int, timeout: float = 30
    ) -> None:
        """Wait until a group has committed past an offset: the record was fully handled."""
        deadline = time.monotonic() + timeout
        while await self.committed(group, topic, partition) <= offset:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{group} did not commit past {topic}/{partition}@{offset} in {timeout}s"
                )
            await asyncio.sleep(0.2)

    async def wait_handled(
        self, group: str, topic: str, *, event_type: str, match: Callable[[dict], bool]
    ) -> None:
        """Wait until a consumer group has handled the event of a type that `match` picks."""
        found = [r for r, e in await self.wait_events(topic, event_type=event_type) if match(e)]
        assert found, f"no {event_type} on {topic} matches"
        await self.wait_consumed(group, topic, found[-1].partition, found[-1].offset, timeout=120)


def platform_record(event: dict) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """The Kafka key, value and headers a producer of the platform sends for an event a test
    writes by hand: the envelope completed as `UnitOfWork.emit` fills it, `data` through its
    payload model (defaults included), the content-type header, the subject as the key."""
    from plenary_shared.envelope import CloudEvent
    from plenary_shared.events import catalogue

    payload = catalogue()[event["type"]]
    envelope = {
        "dataschema": payload.dataschema(),
        "correlationid": event.get("id") or str(uuid.uuid4()),
        **event,
        "data": payload.model_validate(event["data"]).model_dump(mode="json"),
    }
    return CloudEvent.model_validate(envelope).to_kafka()


@pytest.fixture(scope="session")
def kafka(platform: Platform) -> KafkaTap:
    """Direct access to the broker the platform uses."""
    assert platform.broker is not None
    return KafkaTap(platform.broker.bootstrap)


@pytest.fixture
async def producer(kafka: KafkaTap) -> AsyncIterator:
    """A raw producer to the platform's broker."""
    from aiokafka import AIOKafkaProducer

    p = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)
    await p.start()
    yield p
    await p.stop()
