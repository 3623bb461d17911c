"""Unit tests of the CloudEvents envelope and the event catalogue."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from plenary_shared import topics
from plenary_shared.envelope import CONTENT_TYPE, CloudEvent
from plenary_shared.events import EventPayload, catalogue


def _event(**overrides: object) -> CloudEvent:
    fields: dict = {
        "source": "/plenary/registration",
        "type": "registration.application.submitted",
        "subject": "3f1c2b9e-0000-4000-8000-000000000001",
        "time": datetime(2025, 10, 26, 1, 30, tzinfo=UTC),
        "dataschema": "urn:plenary:event:registration.application.submitted:v1",
        "correlationid": "corr-1",
        "data": {"application_id": "3f1c2b9e-0000-4000-8000-000000000001", "n": 1},
    }
    fields.update(overrides)
    return CloudEvent(**fields)


def test_to_kafka_key_value_headers() -> None:
    event = _event()
    key, value, headers = event.to_kafka()
    assert key == event.subject.encode()
    assert headers == [("content-type", b"application/cloudevents+json")]
    assert CONTENT_TYPE == "application/cloudevents+json"
    body = json.loads(value)
    assert body["specversion"] == "1.0"
    assert body["type"] == event.type
    assert body["id"] == event.id
    assert "causationid" not in body  # None attributes are left out


def test_kafka_round_trip() -> None:
    event = _event(causationid="cause-1")
    _, value, _ = event.to_kafka()
    back = CloudEvent.from_kafka(value)
    assert back == event
    assert back.time == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    assert back.data == event.data


def test_round_trip_with_defaults() -> None:
    event = CloudEvent(source="s", type="scheduling.meeting.created", subject="m-1", data={})
    back = CloudEvent.from_kafka(event.to_kafka()[1])
    assert back == event
    assert back.dataschema is None and back.correlationid is None


def test_from_kafka_ignores_unknown_fields() -> None:
    body = json.loads(_event().to_kafka()[1])
    body["partitionkey"] = "an extension this platform does not use"
    body["somethingnew"] = {"x": 1}
    back = CloudEvent.from_kafka(json.dumps(body).encode())
    assert back == _event(id=body["id"])
    assert not hasattr(back, "somethingnew")
    assert not hasattr(back, "partitionkey")


def test_the_trace_context_rides_in_the_envelope_and_only_when_there_is_one() -> None:
    assert "traceparent" not in json.loads(_event().to_kafka()[1])
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    body = json.loads(_event(traceparent=traceparent, tracestate="vendor=1").to_kafka()[1])
    assert (body["traceparent"], body["tracestate"]) == (traceparent, "vendor=1")
    back = CloudEvent.from_kafka(json.dumps(body).encode())
    assert (back.traceparent, back.tracestate) == (traceparent, "vendor=1")


@pytest.mark.parametrize(
    "value", [b"not json", b"", b"{", b"\xff\xfe\x00", b"[1, 2]", b"null", b'{"type": "x"}']
)
def test_from_kafka_raises_value_error_on_non_events(value: bytes) -> None:
    with pytest.raises(ValueError):
        CloudEvent.from_kafka(value)


def test_envelope_is_frozen() -> None:
    with pytest.raises(ValueError):
        _event().subject = "other"  # type: ignore[misc]


# --- catalogue ----------------------------------------------------------------------------

TYPE_PATTERN = re.compile(r"^(scheduling|delegation|registration|notification)\.[a-z_]+\.[a-z_]+$")
CATALOGUE = catalogue()


def test_catalogue_is_not_empty_and_keyed_by_type() -> None:
    assert CATALOGUE
    for event_type, model in CATALOGUE.items():
        assert model.event_type == event_type
        assert issubclass(model, EventPayload)


def test_catalogue_covers_every_producing_service() -> None:
    assert {t.split(".")[0] for t in CATALOGUE} == {
        "scheduling",
        "delegation",
        "registration",
        "notification",
    }


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_event_type_shape(event_type: str) -> None:
    assert TYPE_PATTERN.match(event_type), event_type


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_event_topic_belongs_to_producer(event_type: str) -> None:
    model = CATALOGUE[event_type]
    assert model.topic in topics.EVENT_TOPICS
    assert model.topic.split(".")[0] == event_type.split(".")[0]


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_dataschema_is_versioned(event_type: str) -> None:
    schema = CATALOGUE[event_type].dataschema()
    found = re.search(r":v(\d+)$", schema)
    assert found, schema
    assert int(found.group(1)) >= 1
    assert event_type in schema


def _walk_fields(model: type[BaseModel], seen: set[type]) -> list[str]:
    """Every field name of a model and of the models nested in its annotations."""
    if model in seen:
        return []
    seen.add(model)
    names: list[str] = []
    for name, info in model.model_fields.items():
        names.append(name)
        if info.alias:
            names.append(info.alias)
        for nested in _models_in(info.annotation):
            names.extend(_walk_fields(nested, seen))
    return names


def _models_in(annotation: object) -> list[type[BaseModel]]:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_no_personal_document_data_in_payloads(event_type: str) -> None:
    names = _walk_fields(CATALOGUE[event_type], set())
    assert names
    for name in names:
        lowered = name.lower()
        assert lowered not in {"passport_number", "date_of_birth"}, (event_type, name)
        assert "passport" not in lowered, (event_type, name)
        assert "birth" not in lowered, (event_type, name)


def test_payloads_ignore_unknown_fields() -> None:
    model = CATALOGUE["notification.subscription.created"]
    payload = model.model_validate(
        {
            "subscription_id": "3f1c2b9e-0000-4000-8000-000000000001",
            "channel": "webhook",
            "event_types": ["*"],
            "added_later": True,
        }
    )
    assert "added_later" not in payload.model_dump()
