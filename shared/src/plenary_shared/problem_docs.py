"""The OpenAPI document names the problem documents (RFC 9457) each operation may answer with."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from plenary_shared.errors import PROBLEM_JSON

WRITES = {"post", "put", "patch", "delete"}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _absent(schema: dict[str, Any]) -> None:
    """A member that is left out rather than null: no `default` in its schema."""
    schema.pop("default", None)


class ProblemField(BaseModel):
    """One refused field of a 422 problem."""

    field: str = Field(
        description="The refused input as a dotted path: a body field (`slots.0.starts_at`), or "
        "`query.`, `path.` or `header.` and a parameter's name (`query.limit`)"
    )
    message: str = Field(
        description="What is wrong with the value and what to send instead (English); the value "
        "itself is never repeated"
    )


class ProblemConflict(BaseModel):
    """One clash of a timetable change refused with 409 (scheduling)."""

    kind: str = Field(
        description="What clashes: room, participant, head, capacity, seats or accreditation"
    )
    message: str = Field(description="The clash in words, naming the other session involved if any")
    session_id: UUID | None = Field(None, description="The other session involved, if any")
    session_title: str | None = Field(None, description="That session's title")
    application_id: UUID | None = Field(
        None,
        description="The participant (registration application id) double-booked or not accredited",
    )
    delegation_id: UUID | None = Field(
        None, description="The delegation whose head is busy or whose seats are used up"
    )


class Problem(BaseModel):
    """An error, as every service answers it (RFC 9457); extra members appear only where said."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Conflict",
                    "status": 409,
                    "detail": "room 'Hall A' is already booked by session 'Restricted-format "
                    "meeting of the Council of Heads of State' (2026-07-03 10:00-12:00 "
                    "Europe/Moscow, id 7d7f5c1e-2b4a-4f0e-9a55-2c4b8e0d1f36)",
                    "conflicts": [
                        {
                            "kind": "room",
                            "message": "room 'Hall A' is already booked by session "
                            "'Restricted-format meeting of the Council of Heads of State' "
                            "(2026-07-03 10:00-12:00 Europe/Moscow, id "
                            "7d7f5c1e-2b4a-4f0e-9a55-2c4b8e0d1f36)",
                            "session_id": "7d7f5c1e-2b4a-4f0e-9a55-2c4b8e0d1f36",
                            "session_title": "Restricted-format meeting of the Council of Heads "
                            "of State",
                            "application_id": None,
                            "delegation_id": None,
                        }
                    ],
                },
                {
                    "type": "about:blank",
                    "title": "Invalid request",
                    "status": 422,
                    "detail": "Please correct: ends_on: a meeting lasts at most 60 days, this one "
                    "75; check the dates",
                    "errors": [
                        {
                            "field": "ends_on",
                            "message": "a meeting lasts at most 60 days, this one 75; check the "
                            "dates",
                        }
                    ],
                },
            ]
        }
    )

    type: str = Field(
        "about:blank",
        description="A URI naming the kind of problem; always `about:blank`: `status` and "
        "`title` say what happened",
    )
    title: str = Field(
        description="A short summary of the kind of problem, the same for every occurrence "
        "(such as `Conflict` or `Invalid request`)"
    )
    status: int = Field(ge=400, le=599, description="The HTTP status code of this answer")
    detail: str = Field(
        description="What went wrong this time and what to do about it, for a person to read "
        "(English); it never repeats values that were sent"
    )
    errors: list[ProblemField] = Field(
        default_factory=list,
        description="Only on 422: every refused field, each with what to change",
    )
    conflicts: list[ProblemConflict] | SkipJsonSchema[None] = Field(
        None,
        json_schema_extra=_absent,
        description="Only on a 409 refusing a timetable change (scheduling): every clash found; "
        "`detail` names the first",
    )
    current_state: str | SkipJsonSchema[None] = Field(
        None,
        json_schema_extra=_absent,
        description="Only on a 409 refusing a step an application cannot take from where it "
        "stands (registration): its state now, such as `accredited` or `withdrawn`",
    )
    current_status: str | SkipJsonSchema[None] = Field(
        None,
        json_schema_extra=_absent,
        description="Only on a 409 refusing a change to something cancelled, withdrawn or "
        "already answered (a session, a delegation, a bilateral request): its status now, such "
        "as `cancelled`, `withdrawn` or `declined`",
    )
    vetting: str | SkipJsonSchema[None] = Field(
        None,
        json_schema_extra=_absent,
        description="Only on a 409 refusing a vetting step (registration): the application's "
        "security vetting now: not_required, pending, cleared or flagged",
    )
    reasons: list[str] | SkipJsonSchema[None] = Field(
        None,
        json_schema_extra=_absent,
        description="Only on a 409 refusing to accept a bilateral request (scheduling): why each "
        "proposed slot cannot be scheduled, one line per slot in the meeting's local time",
    )
    retry_after: int | SkipJsonSchema[None] = Field(
        None,
        json_schema_extra=_absent,
        ge=1,
        description="Only on 429 and 503: seconds to wait before trying again (also sent as the "
        "Retry-After header)",
    )


def problem_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The 4xx an operation may answer, from what it takes and whether it needs a token."""
    statuses = set()
    if operation.get("security"):
        statuses |= {401, 403}
    if method in WRITES:
        statuses.add(401)  # also a public route's wrong password or code
    params = {p.get("in") for p in operation.get("parameters", [])}
    body = "requestBody" in operation
    if "path" in params or method in WRITES:
        statuses.add(404)
    if method in WRITES:
        statuses |= {409, 422}
    if params or body:
        statuses.add(422)
    if body:
        statuses |= {400, 413}
    return statuses


def stream_item_schemas(schema: dict[str, Any]) -> None:
    """A server-sent event stream as OpenAPI 3.1 says it: a string (FastAPI writes 3.2's
    `itemSchema`, which 3.1 validators refuse); the schema of one event is kept as
    `x-item-schema`."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    if "itemSchema" in media:
                        media["x-item-schema"] = media.pop("itemSchema")
                        media.setdefault(
                            "schema",
                            {
                                "type": "string",
                                "description": "server-sent events (text/event-stream)",
                            },
                        )


# liveness answers without the database; readiness documents its own 503
UNPROBLEMATIC = {"/healthz", "/readyz"}
UNAVAILABLE = {
    "description": "The database is not reachable for now and nothing was saved: try again "
    "after `Retry-After` seconds",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
}


def add_problem_responses(schema: dict[str, Any]) -> None:
    """Each operation's 4xx and 503 responses, as problem documents (replacing FastAPI's 422
    model)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            declared = {int(code) for code in responses if code.isdigit() and code[0] == "4"}
            for status in sorted(problem_statuses(method, operation) | declared):
                response = responses.setdefault(str(status), {})
                response.setdefault("description", HTTPStatus(status).phrase)
                if response["description"] == "Validation Error":
                    response["description"] = "Invalid request: the problem names each field"
                response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    for path, item in schema.get("paths", {}).items():
        if path not in UNPROBLEMATIC:
            for operation in item.values():
                operation["responses"].setdefault("503", UNAVAILABLE)
    if "HTTPValidationError" not in str(schema.get("paths")):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)


def restore_example_nulls(schema: dict[str, Any]) -> None:
    """Component and response examples with their nulls back: FastAPI drops None-valued keys
    from the document, which leaves a required nullable member missing."""
    components = schema.get("components", {}).get("schemas", {})
    for component in components.values():
        for example in component.get("examples", []):
            _fill_nulls(example, component, components)
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    shown = [media.get("example")] if "example" in media else []
                    shown += [e.get("value") for e in media.get("examples", {}).values()]
                    for example in shown:
                        _fill_nulls(example, media.get("schema", {}), components)


def _fill_nulls(value: Any, schema: dict[str, Any], components: dict[str, Any]) -> None:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            _fill_nulls(value, option, components)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value and _nullable(properties.get(name, {})):
                value[name] = None
        for name, member in value.items():
            if name in properties:
                _fill_nulls(member, properties[name], components)
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            _fill_nulls(item, schema["items"], components)


def _nullable(schema: dict[str, Any]) -> bool:
    options = [schema, *schema.get("anyOf", [])]
    return any(option.get("type") == "null" for option in options)


def document_problems(app: FastAPI) -> None:
    """The app's OpenAPI document, once built, names its operations' problem responses."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()  # FastAPI keeps it as app.openapi_schema
            add_problem_responses(schema)
            stream_item_schemas(schema)
            restore_example_nulls(schema)
            return schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
