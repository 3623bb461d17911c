"""The event catalogue as an AsyncAPI 3.0 document, generated from the payload models."""

from __future__ import annotations

from typing import Any

from plenary_shared import topics
from plenary_shared.envelope import CONTENT_TYPE, CloudEvent
from plenary_shared.events import catalogue


def document() -> dict[str, Any]:
    """AsyncAPI 3.0: one channel per topic, one message per event type, payload schemas from pydantic."""
    events = catalogue()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEvent": CloudEvent.model_json_schema()}
    for event_type, payload in sorted(events.items()):
        name = event_type.replace(".", "_")
        schema = payload.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
        messages[name] = {
            "name": event_type,
            "title": event_type,
            "summary": (payload.__doc__ or "").strip(),
            "contentType": CONTENT_TYPE,
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "headers": {
                "type": "object",
                "properties": {"content-type": {"const": "application/cloudevents+json"}},
            },
            "x-dataschema": payload.dataschema(),
            "x-kafka-key": "the CloudEvents subject: the id of the aggregate",
        }
        channel = payload.topic.replace(".", "_")
        channels.setdefault(channel, {"address": payload.topic, "messages": {}})
        channels[channel]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for topic in topics.EVENT_TOPICS:
        channel = topic.replace(".", "_")
        if channel in channels:
            operations[f"publish_{channel}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel}"},
                "summary": f"The {topic.split('.')[0]} service publishes its events here.",
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Plenary events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 in structured mode over Kafka, keyed by the aggregate "
            "id; each type's `data` has its own schema. Consumers ignore unknown fields.",
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
