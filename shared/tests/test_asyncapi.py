"""The AsyncAPI document: whole records (key, headers, envelope and `data`) on every topic, the
dead-letter topics, who sends and who receives what, and examples its own schemas accept."""

import json

import jsonschema
import pytest

from plenary_shared import topics
from plenary_shared.asyncapi import document
from plenary_shared.db import new_event
from plenary_shared.envelope import CONTENT_TYPE
from plenary_shared.events import catalogue
from plenary_shared.subscriptions import SUBSCRIPTIONS

DOC = document()
COMPONENTS = DOC["components"]


def validator(schema: dict) -> jsonschema.Draft7Validator:
    """A validator of a schema whose references point into the document's components."""
    return jsonschema.Draft7Validator(
        {**schema, "components": COMPONENTS}, format_checker=jsonschema.FormatChecker()
    )


def message_of(event_type: str) -> dict:
    return COMPONENTS["messages"][event_type.replace(".", "_")]


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def test_every_reference_resolves():
    for ref in refs(DOC):
        target = DOC
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert target, ref


def test_every_event_type_is_a_message_on_its_topic():
    events = catalogue()
    named = {m["name"]: m for m in COMPONENTS["messages"].values()}
    assert set(events) <= set(named)
    for event_type, payload in events.items():
        channel = DOC["channels"][payload.topic.replace(".", "_")]
        assert channel["address"] == payload.topic
        assert event_type.replace(".", "_") in channel["messages"]
        data = COMPONENTS["schemas"][event_type.replace(".", "_")]
        # every member is sent, defaults included, so every member is required
        assert set(data["properties"]) == set(data["required"]) == set(payload.model_fields)


@pytest.mark.parametrize("event_type", sorted(catalogue()))
def test_a_message_is_the_whole_record_a_producer_sends(event_type):
    payload = catalogue()[event_type]
    message = message_of(event_type)
    record = payload.model_validate(message["examples"][0]["payload"]["data"])
    event = new_event(
        record,
        subject="00000000-0000-4000-8000-000000000009",
        source=f"/plenary/{event_type.split('.')[0]}",
        correlation_id="00000000-0000-4000-8000-00000000c009",
        causation_id=None,
    )
    key, value, headers = event.to_kafka()
    sent = json.loads(value)
    body = validator(message["payload"])
    assert list(body.iter_errors(sent)) == []
    assert list(body.iter_errors({**sent, "data": {}})) != []
    assert list(body.iter_errors({**sent, "type": "other.type"})) != []
    headers_schema = validator(message["headers"])
    assert list(headers_schema.iter_errors({n: v.decode() for n, v in headers})) == []
    assert list(validator(message["bindings"]["kafka"]["key"]).iter_errors(key.decode())) == []
    assert message["correlationId"] == {"$ref": "#/components/correlationIds/correlationid"}
    assert COMPONENTS["correlationIds"]["correlationid"]["location"] == (
        "$message.payload#/correlationid"
    )
    assert message["bindings"]["kafka"]["bindingVersion"] == "0.5.0"


def test_every_example_is_accepted_by_its_message():
    for name, message in COMPONENTS["messages"].items():
        assert message["examples"], name
        for example in message["examples"]:
            assert list(validator(message["payload"]).iter_errors(example["payload"])) == []
            assert list(validator(message["headers"]).iter_errors(example["headers"])) == []


def test_servers_are_kafka_the_local_broker_and_a_production_cluster():
    servers = DOC["servers"]
    assert {s["protocol"] for s in servers.values()} == {"kafka"}
    assert servers["local"]["host"] == "127.0.0.1:9092"
    assert "{bootstrap}" in servers["production"]["host"]
    assert "bootstrap" in servers["production"]["variables"]


def test_each_producer_sends_its_topics_events():
    operations = DOC["operations"]
    for topic in topics.EVENT_TOPICS:
        channel = topic.replace(".", "_")
        send = operations[f"{topic.split('.')[0]}_sends_{channel}"]
        assert send["action"] == "send"
        assert send["channel"] == {"$ref": f"#/channels/{channel}"}
        assert {m["$ref"].rsplit("/", 1)[1] for m in send["messages"]} == set(
            DOC["channels"][channel]["messages"]
        )


def test_each_consumer_group_receives_what_it_handles_and_dead_letters_on_its_own_topic():
    operations = DOC["operations"]
    events = catalogue()
    for sub in SUBSCRIPTIONS:
        received: set[str] = set()
        for group, lane in sub.lanes().items():
            for topic in lane:
                op = operations[f"{group.replace('.', '_')}_receives_{topic.replace('.', '_')}"]
                assert op["action"] == "receive"
                assert op["bindings"]["kafka"]["groupId"]["const"] == group
                names = {m["$ref"].rsplit("/", 1)[1] for m in op["messages"]}
                assert names and all(
                    events[t].topic == topic for t in events if t.replace(".", "_") in names
                )
                received |= names
        assert received == {t.replace(".", "_") for t in sub.handles}
        dead = DOC["channels"][topics.dead_letter_topic(sub.service).replace(".", "_")]
        assert dead["address"] == f"{sub.service}.dlq"
        [message] = [COMPONENTS["messages"][r.rsplit("/", 1)[1]] for r in refs(dead)]
        assert message["headers"]["$ref"].endswith("DeadLetterHeaders")
        assert operations[f"{sub.service}_dead_letters"]["action"] == "send"


def test_a_dead_letter_is_the_record_as_read_with_the_three_headers():
    headers = validator({"$ref": "#/components/schemas/DeadLetterHeaders"})
    good = {"dlq-error": "ValueError: x", "dlq-consumer": "delegation", "dlq-origin": "t/0/7"}
    assert list(headers.iter_errors(good)) == []
    assert list(headers.iter_errors({**good, "dlq-origin": "t/-1/-1"})) == []
    assert list(headers.iter_errors({"content-type": CONTENT_TYPE})) != []
    message = COMPONENTS["messages"]["delegation_dead-letter"]
    example = message["examples"][0]["payload"]
    assert list(validator(message["payload"]).iter_errors(example)) == []
    assert list(validator(message["payload"]).iter_errors({**example, "type": "x.y"})) != []


def test_a_record_may_carry_its_trace_context():
    schemas = document()["components"]["schemas"]
    envelope = schemas["registration_application_submitted.record"]
    assert {"traceparent", "tracestate"} <= set(envelope["properties"])
    assert not {"traceparent", "tracestate"} & set(envelope["required"])
