"""The event catalogue as an AsyncAPI 3.0 document: each message is a whole Kafka record (its key,
its headers and the CloudEvents envelope around the event's `data`), generated from the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from plenary_shared import topics
from plenary_shared.envelope import CONTENT_TYPE, CloudEvent
from plenary_shared.events import EventPayload, catalogue
from plenary_shared.subscriptions import SUBSCRIPTIONS

KAFKA_BINDING = "0.5.0"
SCHEMAS = "#/components/schemas/"
EXAMPLE_TIME = datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
# readable stand-ins for fields an example would otherwise fill with "example <field>"; every
# person in them is obviously invented
EXAMPLE_TEXT = {
    "email": "participant@example.org",
    "given_name": "Example",
    "family_name": "Participant",
    "language": "en",
    "nationality": "XX",
    "country_code": "XX",
    "timezone": "UTC",
    "category": "delegate",
}

_ENVELOPE = {
    "specversion": ({"type": "string", "const": "1.0"}, "The CloudEvents version."),
    "id": ({"type": "string", "format": "uuid"}, "The event's id; a consumer handles it once."),
    "source": ({"type": "string"}, "The producing service: `/plenary/<service>`."),
    "type": ({"type": "string"}, "The event type: which message this is."),
    "subject": ({"type": "string"}, "The id of the aggregate; also the record's Kafka key."),
    "time": ({"type": "string", "format": "date-time"}, "When the event happened."),
    "datacontenttype": ({"type": "string", "const": "application/json"}, "`data` is JSON."),
    "dataschema": ({"type": "string"}, "The versioned schema of `data`."),
    "correlationid": (
        {"type": "string"},
        "The request or first event of the causal chain (extension attribute).",
    ),
    "causationid": (
        {"type": "string"},
        "The id of the event this one answers; absent when a request caused it.",
    ),
    "traceparent": (
        {"type": "string", "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"},
        "W3C Trace Context of the span that published the event (CloudEvents "
        "distributed-tracing extension); absent when nothing traced its cause.",
    ),
    "tracestate": (
        {"type": "string"},
        "W3C Trace Context vendor state, beside `traceparent` when the trace carries one.",
    ),
}
# absent from a record a request (not an event) caused, or that no trace context reached
_OPTIONAL = {"causationid", "traceparent", "tracestate"}
_REQUIRED = [name for name in _ENVELOPE if name not in _OPTIONAL] + ["data"]


def _name(dotted: str) -> str:
    return dotted.replace(".", "_")


def _ref(section: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/{section}/{name}"}


def _producer(event_type: str) -> str:
    """The service that publishes an event type: the type's first part."""
    return event_type.split(".")[0]


def record_schema(payload: type[EventPayload], data_ref: str) -> dict[str, Any]:
    """The JSON Schema of a record's value: the envelope, with this type's `data`."""
    properties: dict[str, Any] = {
        name: {**schema, "description": text} for name, (schema, text) in _ENVELOPE.items()
    }
    properties["source"]["const"] = f"/plenary/{_producer(payload.event_type)}"
    properties["type"]["const"] = payload.event_type
    properties["dataschema"]["const"] = payload.dataschema()
    properties["data"] = {"$ref": data_ref}
    return {
        "type": "object",
        "title": f"{payload.event_type} record",
        "description": "A CloudEvent in structured mode: the envelope with the event in `data`.",
        "properties": properties,
        "required": _REQUIRED,
        "additionalProperties": False,
    }


def _example_value(schema: dict[str, Any], schemas: dict[str, Any], field: str) -> Any:
    """A value a schema accepts, for a field of this name (examples only)."""
    if "$ref" in schema:
        return _example_object(schemas[schema["$ref"].removeprefix(SCHEMAS)], schemas)
    if schema.get("default") is not None:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _example_value(options[0], schemas, field)
    kind = schema.get("type")
    if kind == "object":
        if "properties" in schema:
            return _example_object(schema, schemas)
        return {"example": _example_value(schema.get("additionalProperties", {}), schemas, field)}
    if kind == "array":
        return [_example_value(schema.get("items", {}), schemas, field)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    return {
        "uuid": "00000000-0000-4000-8000-000000000001",
        "date-time": EXAMPLE_TIME.isoformat().replace("+00:00", "Z"),
        "date": EXAMPLE_TIME.date().isoformat(),
    }.get(schema.get("format", ""), EXAMPLE_TEXT.get(field, f"example {field}"))


def _example_object(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        name: _example_value(member, schemas, name)
        for name, member in schema.get("properties", {}).items()
    }


def example_event(payload: type[EventPayload], schemas: dict[str, Any]) -> CloudEvent:
    """An invented event of this type: its `data` goes through the payload model and back."""
    data = _example_object(schemas[_name(payload.event_type)], schemas)
    return CloudEvent(
        id="00000000-0000-4000-8000-00000000e001",
        source=f"/plenary/{_producer(payload.event_type)}",
        type=payload.event_type,
        subject="00000000-0000-4000-8000-000000000001",
        time=EXAMPLE_TIME,
        dataschema=payload.dataschema(),
        correlationid="00000000-0000-4000-8000-00000000c001",
        causationid="00000000-0000-4000-8000-00000000e000",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        data=payload.model_validate(data).model_dump(mode="json"),
    )


def _key_binding() -> dict[str, Any]:
    return {
        "kafka": {
            "key": {
                "type": "string",
                "description": "The CloudEvents `subject` (the aggregate's id), so that one "
                "aggregate's events keep their order on one partition.",
            },
            "bindingVersion": KAFKA_BINDING,
        }
    }


def _event_message(payload: type[EventPayload], schemas: dict[str, Any]) -> dict[str, Any]:
    doc = (payload.__doc__ or "").strip()
    event = example_event(payload, schemas)
    return {
        "name": payload.event_type,
        "title": payload.event_type,
        "summary": doc.splitlines()[0] if doc else payload.event_type,
        "description": f"Published by {_producer(payload.event_type)} on `{payload.topic}`; "
        f"`data` follows `{payload.dataschema()}`. Consumers ignore unknown members.",
        "contentType": CONTENT_TYPE,
        "headers": _ref("components/schemas", "CloudEventHeaders"),
        "payload": _ref("components/schemas", f"{_name(payload.event_type)}.record"),
        "correlationId": _ref("components/correlationIds", "correlationid"),
        "bindings": _key_binding(),
        "examples": [
            {
                "name": f"{_name(payload.event_type)}_example",
                "summary": "An invented event; every id and name in it is made up.",
                "headers": {"content-type": CONTENT_TYPE},
                "payload": event.model_dump(mode="json", exclude_none=True),
            }
        ],
    }


def _dead_letter_message(service: str, handled: list[str], example: dict[str, Any]) -> dict:
    return {
        "name": f"{service}.dead-letter",
        "title": f"{service} dead letter",
        "summary": f"A record {service} could not handle, as it was read.",
        "description": f"After its retries, {service} republishes a record it cannot handle "
        "here with the key and value it read (an event that waited too long parked: its "
        "envelope as kept) and three headers saying why; the value is one of the events it "
        "handles (anything that is not a CloudEvent is dead-lettered too, unchanged, and then "
        "matches none of them). The original content-type header is not carried. An operator "
        "lists and replays dead letters through the service's API.",
        "contentType": CONTENT_TYPE,
        "headers": _ref("components/schemas", "DeadLetterHeaders"),
        "payload": {"anyOf": [{"$ref": f"{SCHEMAS}{_name(t)}.record"} for t in handled]},
        "correlationId": _ref("components/correlationIds", "correlationid"),
        "bindings": _key_binding(),
        "examples": [
            {
                "name": f"{service}_dead_letter_example",
                "summary": "An invented event that kept failing.",
                "headers": {
                    "dlq-error": "ValueError: an example failure",
                    "dlq-consumer": service,
                    "dlq-origin": f"{topics.REGISTRATION}/0/42",
                },
                "payload": example,
            }
        ],
    }


def _headers() -> dict[str, Any]:
    return {
        "CloudEventHeaders": {
            "type": "object",
            "description": "The Kafka headers of an event record (structured content mode).",
            "properties": {"content-type": {"type": "string", "const": CONTENT_TYPE}},
            "required": ["content-type"],
        },
        "DeadLetterHeaders": {
            "type": "object",
            "description": "The Kafka headers of a dead-letter record: only these three.",
            "properties": {
                "dlq-error": {
                    "type": "string",
                    "description": "The last failure, `<exception type>: <message>` (at most "
                    "4,000 bytes).",
                },
                "dlq-consumer": {"type": "string", "description": "The consumer group."},
                "dlq-origin": {
                    "type": "string",
                    "pattern": r"^.+/-?\d+/-?\d+$",
                    "description": "`<topic>/<partition>/<offset>` of the record read; "
                    "partition and offset are -1 for an event that waited too long parked.",
                },
            },
            "required": ["dlq-error", "dlq-consumer", "dlq-origin"],
            "additionalProperties": False,
        },
    }


def _servers() -> dict[str, Any]:
    return {
        "local": {
            "host": "127.0.0.1:9092",
            "protocol": "kafka",
            "title": "The development broker",
            "description": "The Tansu broker `make run` starts, in memory (plaintext).",
        },
        "production": {
            "host": "{bootstrap}",
            "protocol": "kafka",
            "title": "Production Kafka",
            "description": "The Kafka cluster of a deployment (`docker compose up`: kafka:9092), "
            "named by the services' `kafka_bootstrap_servers` setting.",
            "variables": {
                "bootstrap": {
                    "default": "kafka:9092",
                    "description": "host:port of a bootstrap broker.",
                }
            },
        },
    }


def _channel(topic: str, description: str) -> dict[str, Any]:
    return {
        "address": topic,
        "title": topic,
        "description": description + " Partitions: the `topic_partitions` setting (3 unless "
        "set); the key keeps an aggregate's records on one partition, in order.",
        "messages": {},
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING}},
    }


def _operation(action: str, channel: str, messages: list[str], summary: str) -> dict[str, Any]:
    return {
        "action": action,
        "channel": _ref("channels", channel),
        "summary": summary,
        "messages": [_ref(f"channels/{channel}/messages", m) for m in sorted(messages)],
    }


def document() -> dict[str, Any]:
    """AsyncAPI 3.0: servers, one channel per topic (the dead-letter topics too), one message per
    event type, the send operations of the producers and the receive operations of each group."""
    events = catalogue()
    schemas: dict[str, Any] = _headers()
    for event_type, payload in sorted(events.items()):
        schema = payload.model_json_schema(mode="serialization", ref_template=SCHEMAS + "{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[_name(event_type)] = schema
        schemas[f"{_name(event_type)}.record"] = record_schema(
            payload, f"{SCHEMAS}{_name(event_type)}"
        )
    messages = {_name(t): _event_message(p, schemas) for t, p in sorted(events.items())}
    channels = {
        _name(topic): _channel(topic, f"The events {topic.split('.')[0]} publishes.")
        for topic in topics.EVENT_TOPICS
    }
    for event_type, payload in events.items():
        channels[_name(payload.topic)]["messages"][_name(event_type)] = _ref(
            "components/messages", _name(event_type)
        )
    operations: dict[str, Any] = {}
    for topic in topics.EVENT_TOPICS:
        channel = _name(topic)
        producer = topic.split(".")[0]
        operations[f"{producer}_sends_{channel}"] = _operation(
            "send",
            channel,
            list(channels[channel]["messages"]),
            f"{producer} publishes these events (through its outbox, after each commit).",
        )
    for sub in SUBSCRIPTIONS:
        handled = sorted(sub.handles)
        dead = f"{sub.service}.dead-letter"
        messages[_name(dead)] = _dead_letter_message(
            sub.service, handled, messages[_name(handled[0])]["examples"][0]["payload"]
        )
        channel = _name(sub.dead_letter_topic)
        channels[channel] = _channel(
            sub.dead_letter_topic, f"The records {sub.service} could not handle."
        )
        channels[channel]["messages"][_name(dead)] = _ref("components/messages", _name(dead))
        operations[f"{sub.service}_dead_letters"] = _operation(
            "send", channel, [_name(dead)], f"{sub.service} dead-letters what keeps failing."
        )
        for group, lane in sub.lanes().items():
            for topic in lane:
                here = [_name(t) for t in handled if events[t].topic == topic]
                operations[f"{_name(group)}_receives_{_name(topic)}"] = {
                    **_operation(
                        "receive",
                        _name(topic),
                        here,
                        f"{sub.service} reads `{topic}` in consumer group `{group}` and "
                        "handles these types once each (other types on the topic are skipped).",
                    ),
                    "bindings": {
                        "kafka": {
                            "groupId": {"type": "string", "const": group},
                            "bindingVersion": KAFKA_BINDING,
                        }
                    },
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Plenary events",
            "version": "1.0.0",
            "description": "Every record on Plenary's Kafka topics: CloudEvents 1.0 in "
            "structured mode (header `content-type: application/cloudevents+json`, the envelope "
            "in the value, the event in `data`), keyed by the aggregate's id (`subject`), and "
            "the dead letters of each consuming service. Consumers ignore unknown members.",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": _servers(),
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": schemas,
            "correlationIds": {
                "correlationid": {
                    "description": "The CloudEvents `correlationid` extension: the request or "
                    "first event every event of one causal chain shares.",
                    "location": "$message.payload#/correlationid",
                }
            },
        },
    }
