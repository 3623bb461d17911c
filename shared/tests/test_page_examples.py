"""A page's schema shows an example built from its item's, so no service writes one per list."""

from pydantic import BaseModel, ConfigDict

from plenary_shared.api import Page


class Delegation(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Kazakhstan"}, {"name": "x"}]}
    )

    name: str


class Bare(BaseModel):
    name: str


def test_a_page_shows_one_item_of_its_items_first_example():
    schema = Page[Delegation].model_json_schema(mode="serialization")
    assert schema["examples"] == [
        {"items": [{"name": "Kazakhstan"}], "total": 1, "limit": 50, "offset": 0}
    ]
    Page[Delegation].model_validate(schema["examples"][0])


def test_a_page_of_items_without_examples_shows_none():
    assert "examples" not in Page[Bare].model_json_schema(mode="serialization")
