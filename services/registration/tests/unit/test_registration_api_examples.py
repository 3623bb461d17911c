"""The API document's examples are values the models themselves accept, validators included."""

import pytest
from pydantic import BaseModel

from plenary_registration.domain import commands
from plenary_registration.entrypoints.api import reports, schemas

MODELS = [
    model
    for module in (commands, schemas, reports)
    for name, model in vars(module).items()
    if isinstance(model, type)
    and issubclass(model, BaseModel)
    and model.__module__ == module.__name__
    and not name.startswith("_")
]


def _examples(model: type[BaseModel]) -> list[dict]:
    return model.model_json_schema().get("examples", [])


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_model_shows_an_example_it_accepts(model):
    assert _examples(model), f"{model.__name__} shows no example"
    for example in _examples(model):
        model.model_validate(example)


def test_examples_show_only_obviously_fake_document_numbers():
    shown = [
        example[field]
        for model in MODELS
        for example in _examples(model)
        for field in ("passport_number", "passport_number_masked")
        if example.get(field)
    ]
    assert shown
    assert all(set(value) <= set("X0•") for value in shown), shown
