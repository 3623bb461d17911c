"""Every service's OpenAPI document is valid OpenAPI 3.1, and its operation ids are what a
generated client would name its methods."""

import importlib
import re

import pytest
from cryptography.fernet import Fernet
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from plenary_shared.authz import OfflineService
from plenary_shared.errors import PROBLEM_JSON as PROBLEM

SERVICES = ("scheduling", "delegation", "registration", "notification")


def _document(service: str) -> dict:
    main = importlib.import_module(f"plenary_{service}.main")
    config = importlib.import_module(f"plenary_{service}.config")
    extra = {"data_key": Fernet.generate_key().decode()} if service == "registration" else {}
    return OfflineService(fill="x").app(main.create_app, config.Settings, **extra).openapi()


@pytest.mark.parametrize("service", SERVICES)
async def test_the_document_is_valid_openapi_3_1(service):
    document = _document(service)
    assert document["openapi"].startswith("3.1")
    try:
        validate(document)
    except OpenAPIValidationError as refused:
        pytest.fail(f"{service}: {refused.message} at {'/'.join(map(str, refused.path))}")


@pytest.mark.parametrize("service", SERVICES)
async def test_operation_ids_are_unique_function_names(service):
    operations = [
        (method, path, operation["operationId"])
        for path, item in _document(service)["paths"].items()
        for method, operation in item.items()
    ]
    ids = [operation_id for _, _, operation_id in operations]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for method, path, operation_id in operations:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", operation_id), (method, path)
        assert not operation_id.endswith(f"_{method}"), (method, path, operation_id)


async def test_the_live_stream_is_described_as_openapi_3_1_has_it():
    stream = _document("notification")["paths"]["/v1/stream"]["get"]["responses"]["200"]
    media = stream["content"]["text/event-stream"]
    assert "itemSchema" not in media
    assert media["schema"]["type"] == "string"
    assert set(media["x-item-schema"]["properties"]) >= {"id", "event", "data"}


@pytest.mark.parametrize("service", SERVICES)
async def test_every_create_declares_the_idempotency_and_correlation_headers(service):
    creating = {
        operation["operationId"]: {p["name"] for p in operation.get("parameters", [])}
        for item in _document(service)["paths"].values()
        for method, operation in item.items()
        # a public route (an invitee confirming a code) has no caller to key a retry by
        if method == "post" and "201" in operation["responses"] and operation.get("security")
    }
    assert creating, "every service creates something"
    lacking = {
        name: {"Idempotency-Key", "X-Correlation-ID"} - headers
        for name, headers in creating.items()
        if not {"Idempotency-Key", "X-Correlation-ID"} <= headers
    }
    assert lacking == {}


CONDITIONAL = [
    ("scheduling", "/calendars/meetings/{meeting_id}.ics"),
    ("scheduling", "/calendars/participants/{token}.ics"),
    ("registration", "/v1/meetings/{meeting_id}/participants.csv"),
    ("delegation", "/v1/meetings/{meeting_id}/delegations.csv"),
]


@pytest.mark.parametrize(("service", "path"), CONDITIONAL)
async def test_feeds_and_exports_declare_conditional_gets(service, path):
    operation = _document(service)["paths"][path]["get"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers >= {"If-None-Match", "If-Modified-Since"}
    assert set(operation["responses"]) >= {"200", "304"}


JSON = "application/json"


def _schema(document: dict, schema: dict) -> dict:
    """A schema with its `$ref` followed (one level: component schemas are named once)."""
    ref = schema.get("$ref", "")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _example(document: dict, media: dict) -> object | None:
    """The example a media type shows: its own, or the first of its schema's."""
    if "example" in media:
        return media["example"]
    if media.get("examples"):
        return next(iter(media["examples"].values()))["value"]
    examples = _schema(document, media.get("schema", {})).get("examples")
    return examples[0] if examples else None


def _shown(document: dict, kind: str):
    """Each JSON request body (kind "body") or 2xx JSON answer (kind "answer"), by operation."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if kind == "body":
                media = operation.get("requestBody", {}).get("content", {}).get(JSON)
                if media:
                    yield f"{method.upper()} {path}", media
                continue
            for status, response in operation["responses"].items():
                media = response.get("content", {}).get(JSON)
                if status.startswith("2") and media and media.get("schema"):
                    yield f"{method.upper()} {path} {status}", media


@pytest.mark.parametrize("kind", ["body", "answer"])
@pytest.mark.parametrize("service", SERVICES)
async def test_every_body_and_answer_shows_an_example_its_schema_accepts(service, kind):
    document = _document(service)
    missing, refused = [], []
    for name, media in _shown(document, kind):
        example = _example(document, media)
        if example is None:
            missing.append(name)
            continue
        schema = {**media["schema"], "components": document["components"]}
        error = best_match(Draft202012Validator(schema).iter_errors(example))
        if error is not None:
            refused.append(f"{name}: {error.message}")
    assert missing == [], f"{len(missing)} without an example"
    assert refused == []


@pytest.mark.parametrize("service", SERVICES)
async def test_every_field_is_described(service):
    schemas = _document(service)["components"]["schemas"]
    undescribed = [
        f"{name}.{field}"
        for name, schema in schemas.items()
        for field, spec in schema.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undescribed == [], f"{len(undescribed)} fields without a description"


async def test_a_conflict_documents_its_extra_members():
    for service in SERVICES:
        document = _document(service)
        for item in document["paths"].values():
            for operation in item.values():
                conflict = operation["responses"].get("409")
                if conflict:
                    schema = _schema(document, conflict["content"][PROBLEM]["schema"])
                    assert {"conflicts", "current_state"} <= set(schema["properties"]), service


@pytest.mark.parametrize("service", SERVICES)
async def test_every_operation_but_liveness_documents_the_outage_answer(service):
    document = _document(service)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path == "/healthz":
                continue
            unavailable = operation["responses"].get("503")
            assert unavailable, f"{method.upper()} {path}"
            if path != "/readyz":
                assert "Retry-After" in unavailable["headers"], f"{method.upper()} {path}"
                assert set(unavailable["content"]) == {PROBLEM}


@pytest.mark.parametrize("service", SERVICES)
async def test_every_read_says_what_it_answers(service):
    """A GET's 200 names its content types, each with a schema (a client reads it by them)."""
    unsaid = []
    for path, item in _document(service)["paths"].items():
        content = item.get("get", {}).get("responses", {}).get("200", {}).get("content")
        if "get" in item and not (content and all(m.get("schema") for m in content.values())):
            unsaid.append(path)
    assert unsaid == []
