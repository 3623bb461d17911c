"""The API document's examples are values the models themselves accept, validators included."""

import pytest
from pydantic import BaseModel

from plenary_notification.domain import commands
from plenary_notification.entrypoints.api import schemas

MODELS = [
    model
    for module in (commands, schemas)
    for name, model in vars(module).items()
    if isinstance(model, type)
    and issubclass(model, BaseModel)
    and model.__module__ == module.__name__
    and not name.startswith("_")
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_model_shows_an_example_it_accepts(model):
    examples = model.model_json_schema().get("examples", [])
    assert examples, f"{model.__name__} shows no example"
    for example in examples:
        model.model_validate(example)
