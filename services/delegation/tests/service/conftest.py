"""Fixtures of the delegation use-case tests: a fake repository on a fake unit of work.

`fakes.py` is loaded under a name of its own: each service's tests/service has a `fakes.py`,
and pytest puts these `__init__.py`-free directories on sys.path under their bare names.
"""

from __future__ import annotations

import pytest

from plenary_shared.fakes import FakeUnitOfWork, load_beside

fakes = load_beside(__file__, "fakes.py", name="plenary_delegation_tests_fakes")


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
