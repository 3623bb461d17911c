"""The OpenAPI document names each operation's problem responses, and the answers match them."""

from typing import Annotated

from fastapi import Depends, FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel

from plenary_shared.auth import current_principal
from plenary_shared.errors import PROBLEM_JSON, NotFound, install_error_handlers
from plenary_shared.problem_docs import Problem, document_problems


class Thing(BaseModel):
    name: str


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    secured = [Depends(current_principal)]

    @app.get("/v1/things", dependencies=secured)
    async def list_things(q: Annotated[str, Query(max_length=5)] = "") -> list[Thing]:
        return []

    @app.get("/v1/things/{thing_id}", dependencies=secured)
    async def get_thing(thing_id: int) -> Thing:
        raise NotFound(f"thing {thing_id} does not exist")

    @app.post("/v1/open", status_code=201)
    async def open_thing(body: Thing) -> Thing:
        return body

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    document_problems(app)
    return app


def statuses(doc: dict, path: str, method: str = "get") -> dict[str, dict]:
    return {
        code: response["content"]
        for code, response in doc["paths"][path][method]["responses"].items()
        if code.startswith("4")
    }


def test_each_operation_documents_its_problems_as_problem_json():
    doc = make_app().openapi()
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert statuses(doc, "/v1/things") == dict.fromkeys(["401", "403", "422"], problem)
    assert statuses(doc, "/v1/things/{thing_id}") == dict.fromkeys(
        ["401", "403", "404", "422"], problem
    )
    assert set(statuses(doc, "/v1/open", "post")) == {"400", "401", "404", "409", "413", "422"}
    assert statuses(doc, "/healthz") == {}
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_the_answers_are_the_documented_problems():
    with TestClient(make_app()) as client:
        answers = [
            client.get("/v1/things"),
            client.post("/v1/open", json={}),
            client.post("/v1/open", content=b"{", headers={"content-type": "application/json"}),
        ]
    assert [a.status_code for a in answers] == [401, 422, 400]
    for answer in answers:
        assert answer.headers["content-type"] == PROBLEM_JSON
        Problem.model_validate(answer.json())
