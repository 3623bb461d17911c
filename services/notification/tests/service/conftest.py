"""Use cases against a fake repository and `plenary_shared.fakes.FakeUnitOfWork`: no database,
no broker.

`fakes.py` is loaded under a name of its own, so that another service's `tests/service/fakes.py`
in the same pytest run is not taken for it.
"""

import pytest

from plenary_shared.fakes import FakeUnitOfWork, load_beside

fakes = load_beside(__file__, "fakes.py", name="plenary_notification_service_fakes")


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
