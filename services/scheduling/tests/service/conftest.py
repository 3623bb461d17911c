"""Use cases against a fake repository under a fake unit of work: no database, no broker.

fakes.py is loaded under a name of its own, so that another service's tests/service/fakes.py
(same file name, no packages here) can never stand in for it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from plenary_shared.fakes import FakeUnitOfWork

_NAME = "plenary_scheduling_service_fakes"


def _fakes():
    if _NAME not in sys.modules:
        spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("fakes.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
    return sys.modules[_NAME]


@pytest.fixture
def repo():
    """An empty scheduling world; seed it with repo.meeting(), repo.venue(), ..."""
    return _fakes().FakeRepository()


@pytest.fixture
def uow(repo):
    """A unit of work writing to the fake repository; records events and commits."""
    return FakeUnitOfWork(repo)
