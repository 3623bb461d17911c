"""The AsyncAPI document covers every event of the catalogue with its payload schema."""

from plenary_shared.asyncapi import document
from plenary_shared.events import catalogue


def test_every_event_type_is_a_message_on_its_topic_with_its_schema():
    doc = document()
    assert doc["asyncapi"].startswith("3.")
    events = catalogue()
    messages = {m["name"]: m for m in doc["components"]["messages"].values()}
    assert set(messages) == set(events)
    for event_type, payload in events.items():
        name = event_type.replace(".", "_")
        channel = doc["channels"][payload.topic.replace(".", "_")]
        assert channel["address"] == payload.topic
        assert name in channel["messages"]
        schema = doc["components"]["schemas"][name]
        assert set(schema["properties"]) == set(payload.model_fields)
        assert messages[event_type]["x-dataschema"] == payload.dataschema()


def test_every_reference_resolves():
    doc = document()

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

    for ref in refs(doc):
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert target, ref
