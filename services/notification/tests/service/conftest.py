"""Use cases against a fake repository and `plenary_shared.fakes.FakeUnitOfWork`: no database,
no broker.

`fakes.py` is loaded under a name of its own, so that another service's `tests/service/fakes.py`
in the same pytest run is not taken for it.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

from plenary_shared.fakes import FakeUnitOfWork

_NAME = "plenary_notification_service_fakes"
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("fakes.py"))
    assert _spec is not None and _spec.loader is not None
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])
fakes = sys.modules[_NAME]


@pytest.fixture
def repo():
    """An empty fake repository."""
    return fakes.FakeRepository()


@pytest.fixture
def uow(repo):
    """A fake unit of work writing to `repo`."""
    return FakeUnitOfWork(repo)


@pytest.fixture
def new_uow(repo):
    """Another unit of work on the same rows (a later transaction)."""
    return lambda: FakeUnitOfWork(repo)
