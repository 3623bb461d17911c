"""Examples in the OpenAPI document: a page's comes from its item's, and nulls survive FastAPI."""

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from plenary_shared.api import Page
from plenary_shared.problem_docs import document_problems


class Delegation(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Kazakhstan", "head_name": None}, {"name": "x", "head_name": "y"}]
        }
    )

    name: str
    head_name: str | None


class Bare(BaseModel):
    name: str


def test_a_page_shows_one_item_of_its_items_first_example():
    schema = Page[Delegation].model_json_schema(mode="serialization")
    assert schema["examples"] == [
        {"items": [{"name": "Kazakhstan", "head_name": None}], "total": 1, "limit": 50, "offset": 0}
    ]
    Page[Delegation].model_validate(schema["examples"][0])


def test_a_page_of_items_without_examples_shows_none():
    assert "examples" not in Page[Bare].model_json_schema(mode="serialization")


def test_a_null_in_an_example_stays_in_the_document():
    app = FastAPI()

    @app.get("/delegations")
    async def delegations() -> Page[Delegation]:
        return Page(items=[], total=0, limit=50, offset=0)

    document_problems(app)
    schemas = app.openapi()["components"]["schemas"]
    assert schemas["Delegation"]["examples"][0] == {"name": "Kazakhstan", "head_name": None}
    page = schemas["Page_Delegation_"]["examples"][0]
    assert page["items"] == [{"name": "Kazakhstan", "head_name": None}]


def test_a_null_in_a_response_example_stays_in_the_document():
    app = FastAPI()
    shown = [{"name": "Kazakhstan", "head_name": None}]

    @app.get(
        "/delegations/all",
        responses={200: {"content": {"application/json": {"example": shown}}}},
    )
    async def every_delegation() -> list[Delegation]:
        return []

    document_problems(app)
    media = app.openapi()["paths"]["/delegations/all"]["get"]["responses"]["200"]["content"]
    assert media["application/json"]["example"] == shown
