"""After the whole suite: every record on every topic of the catalogue, the dead-letter topics too,
is the record its AsyncAPI message describes (value, headers and key)."""

import json
from collections import Counter

import jsonschema
import pytest

from plenary_devstack.testing import POISON
from plenary_shared.asyncapi import document


def _validators(doc: dict):
    """A validator per message, of its value, headers and key."""
    components = doc["components"]

    def check(schema: dict) -> jsonschema.Draft7Validator:
        return jsonschema.Draft7Validator(
            {**schema, "components": components}, format_checker=jsonschema.FormatChecker()
        )

    return {
        name: (
            check(message["payload"]),
            check(message["headers"]),
            check(message["bindings"]["kafka"]["key"]),
        )
        for name, message in components["messages"].items()
    }


def _message_of(channel: dict, value: object, messages: dict) -> str | None:
    """The channel's message for a record: by its type, or the channel's only message."""
    names = [ref["$ref"].rsplit("/", 1)[1] for ref in channel["messages"].values()]
    if len(names) == 1:
        return names[0]
    kind = value.get("type") if isinstance(value, dict) else None
    return next((n for n in names if messages[n]["name"] == kind), None)


def _problems(record, channel: dict, doc: dict, validators: dict) -> tuple[str | None, list[str]]:
    try:
        value = json.loads(record.value)
    except ValueError:
        return None, ["the value is not JSON"]
    name = _message_of(channel, value, doc["components"]["messages"])
    if name is None:
        return None, [f"type {value.get('type')!r} is no message of this channel"]
    body, headers, key = validators[name]
    found = [
        f"value: {e.message} at /{'/'.join(map(str, e.path))}" for e in body.iter_errors(value)
    ]
    header_values = {n: v.decode(errors="replace") for n, v in record.headers}
    found += [f"headers: {e.message}" for e in headers.iter_errors(header_values)]
    if record.key is None:
        found.append("no key")
    else:
        found += [f"key: {e.message}" for e in key.iter_errors(record.key.decode())]
        if record.key.decode() != value.get("subject"):
            found.append("the key is not the subject")
    return name, found


@pytest.mark.last
async def test_every_record_on_the_broker_is_its_catalogue_message(kafka):
    doc = document()
    validators = _validators(doc)
    channels = {channel["address"]: channel for channel in doc["channels"].values()}
    present = [t for t in await kafka.topics() if t in channels]
    assert {"registration.events", "delegation.events", "scheduling.events"} <= set(present)
    seen: Counter[str] = Counter()
    failures: list[str] = []
    records = await kafka.records(*present)
    # a test's deliberately unreadable record, and the dead letters made of it, are no message
    poison = {f"{r.topic}/{r.partition}/{r.offset}" for r in records if POISON in r.headers}
    for record in records:
        if (
            POISON in record.headers
            or dict(record.headers).get("dlq-origin", b"").decode() in poison
        ):
            continue
        name, found = _problems(record, channels[record.topic], doc, validators)
        seen[name or "?"] += 1
        failures += [
            f"{record.topic}@{record.partition}/{record.offset} {name}: {p}" for p in found
        ]
    if failures:
        shown = "\n".join(failures[:30])
        pytest.fail(f"{len(failures)} problems in {sum(seen.values())} records:\n{shown}")
    # the suite (or even one flow) publishes many types, the check read them all
    assert len(seen) >= 8, seen
