"""Event -> webhook: events produced straight to registration's topic at a steady rate, each
timed from its send to its webhook's arrival; beside it, the same records' raw hop through the
broker (produce -> consume, no service in between).

The events are check-ins (`registration.participant.checked_in`), built as registration's
outbox relay builds its records, so notification handles them like any other: inbox, the live
stream, one webhook per subscription that asked for them. No other service reacts to them.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx

from plenary_devstack import bench_kafka
from plenary_devstack.receiver import WebhookReceiver
from plenary_devstack.stack import Platform
from plenary_shared.envelope import CloudEvent
from plenary_shared.events.registration import ParticipantCheckedIn
from plenary_shared.outbox import kafka_record


def check_ins(count: int) -> list[tuple[str, bytes | None, bytes, list]]:
    """Kafka records of `count` check-ins, as registration's relay would publish them."""
    meeting, delegation = uuid.uuid4(), uuid.uuid4()
    records = []
    for i in range(count):
        payload = ParticipantCheckedIn(
            checkin_id=uuid.uuid4(),
            application_id=uuid.uuid4(),
            meeting_id=meeting,
            delegation_id=delegation,
            badge_number=f"BENCH-{i:06d}",
            zone="plenary",
            checkpoint="Gate A",
        )
        event = CloudEvent(
            source="/plenary/registration",
            type=payload.event_type,
            subject=str(payload.application_id),
            dataschema=payload.dataschema(),
            correlationid=str(uuid.uuid4()),
            data=payload.model_dump(mode="json"),
        )
        key, value, headers = kafka_record(event.model_dump(mode="json", exclude_none=True))
        records.append((payload.topic, key, value, headers))
    return records


# events sent at the rate before the timed ones: the latency at a rate is that of a platform
# already receiving at it (a lane that was idle takes the long fetch wait; see `quiet_start`)
LEAD_SECONDS = 2.0


def latency(
    platform: Platform, *, rate: float, seconds: float
) -> tuple[dict[str, list[float]], float]:
    """Seconds from send to webhook per event, and from send to receipt on the raw hop; and the
    webhooks' own rate, from the first timed send to the last arrival."""
    lead = int(rate * LEAD_SECONDS)
    records = check_ins(lead + int(rate * seconds))
    sent, arrived = _deliveries(platform, records, rate=rate)
    ids = [_event_id(value) for _topic, _key, value, _headers in records][lead:]
    timed = sent[lead:]
    assert platform.broker is not None, "the webhook bench runs on a platform with its broker"
    hop = bench_kafka.hop_latency(platform.broker.bootstrap, check_ins(len(ids)), rate=rate)
    webhooks = [arrived[i] - at for i, at in zip(ids, timed, strict=True)]
    delivered = len(ids) / (max(arrived[i] for i in ids) - timed[0])
    return {"webhook": webhooks, "raw hop": hop}, delivered


def quiet_start(platform: Platform, *, samples: int, quiet_seconds: float) -> list[float]:
    """Seconds from send to webhook of a single event after `quiet_seconds` of nothing, each
    sample on its own."""
    found = []
    for _ in range(samples):
        time.sleep(quiet_seconds)
        records = check_ins(1)
        sent, arrived = _deliveries(platform, records, rate=1.0)
        found.append(arrived[_event_id(records[0][2])] - sent[0])
    return found


def _event_id(value: bytes) -> str:
    return json.loads(value)["id"]


def _deliveries(platform: Platform, records, *, rate: float) -> tuple[list[float], dict]:
    """Send the records at a rate to a fresh subscription: when each was sent, and when each
    event's webhook arrived."""
    assert platform.keys is not None and platform.broker is not None
    auth = {"Authorization": f"Bearer {platform.keys.token('organiser', subject='bench')}"}
    ids = [_event_id(value) for _topic, _key, value, _headers in records]
    receiver = WebhookReceiver()
    notification = platform.url("notification")
    with httpx.Client(headers=auth, timeout=30) as http:
        sub = http.post(
            f"{notification}/v1/subscriptions",
            json={"url": receiver.url, "event_types": [ParticipantCheckedIn.event_type]},
        ).json()
        receiver.secret = sub["secret"]
        try:
            sent = asyncio.run(
                bench_kafka.produce_at(platform.broker.bootstrap, records, rate=rate)
            )
            arrived = _arrivals(receiver, set(ids))
        finally:
            http.delete(f"{notification}/v1/subscriptions/{sub['id']}")
            receiver.close()
    return sent, arrived


def _arrivals(receiver: WebhookReceiver, wanted: set[str], timeout: float = 120) -> dict:
    """When each wanted event's webhook first arrived."""
    arrived: dict[str, float] = {}
    seen, deadline = 0, time.monotonic() + timeout
    while len(arrived) < len(wanted):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(wanted) - len(arrived)} webhooks never arrived")
        with receiver.arrived:
            receiver.arrived.wait(0.2)
        new = receiver.received[seen:]
        seen += len(new)
        for received in new:
            event_id = json.loads(received.body)["id"]
            if event_id in wanted:
                arrived.setdefault(event_id, received.at)
    return arrived
