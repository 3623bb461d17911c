"""The OpenAPI document names the problem documents (RFC 9457) each operation may answer with."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from plenary_shared.errors import PROBLEM_JSON

WRITES = {"post", "put", "patch", "delete"}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class ProblemField(BaseModel):
    """One refused field of a 422 problem."""

    field: str
    message: str


class Problem(BaseModel):
    """An error, as every service answers it (RFC 9457 problem document)."""

    type: str = "about:blank"
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    errors: list[ProblemField] = Field(default_factory=list, description="only on 422")


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


def add_problem_responses(schema: dict[str, Any]) -> None:
    """Each operation's 4xx responses, as problem documents (replacing FastAPI's 422 model)."""
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
    if "HTTPValidationError" not in str(schema.get("paths")):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)


def document_problems(app: FastAPI) -> None:
    """The app's OpenAPI document, once built, names its operations' problem responses."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()  # FastAPI keeps it as app.openapi_schema
            add_problem_responses(schema)
            stream_item_schemas(schema)
            return schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
