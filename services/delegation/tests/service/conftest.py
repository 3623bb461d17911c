"""Fixtures of the delegation use-case tests: a fake repository on a fake unit of work.

`fakes.py` is loaded under a name of its own: each service's tests/service has a `fakes.py`,
and pytest puts these `__init__.py`-free directories on sys.path under their bare names.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from plenary_shared.fakes import FakeUnitOfWork


def _load_fakes():
    name = "plenary_delegation_tests_fakes"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("fakes.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


fakes = _load_fakes()


@pytest.fixture
def repo():
    """An empty delegation schema in memory."""
    return fakes.FakeRepository()


@pytest.fixture
def uow(repo):
    """A unit of work over the fake repository, recording what is emitted and committed."""
    return FakeUnitOfWork(repo, source="/plenary/delegation")


@pytest.fixture
def event():
    """Wrap a payload as a consumed event."""
    return fakes.event
