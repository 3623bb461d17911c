"""Fixtures of the use-case tests: a fake repository and a fake unit of work around it.

`fakes.py` is loaded under a name of its own: every service may have a tests/service/fakes.py,
and pytest's default import mode would otherwise hand one service's module to another's tests.
"""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from plenary_registration.adapters.crypto import DocumentCipher
from plenary_shared.auth import Principal, Role
from plenary_shared.authz import Grant, Scope
from plenary_shared.fakes import FakeUnitOfWork, load_beside

fakes = load_beside(__file__, "fakes.py", name="plenary_registration_service_fakes")


@pytest.fixture
def repo():
    """An empty fake repository."""
    return fakes.FakeRepository()


@pytest.fixture
def uow(repo):
    """A fake unit of work writing to `repo`."""
    return FakeUnitOfWork(repo)


@pytest.fixture(scope="session")
def cipher() -> DocumentCipher:
    """A document cipher with a throwaway key."""
    return DocumentCipher(Fernet.generate_key().decode())


@pytest.fixture
def staff():
    """Organiser staff's grant: every delegation."""
    principal = Principal(subject="organiser@example.org", role=Role.ORGANISER, token="")
    return Grant(principal=principal, action="test", scope=Scope.ALL)


@pytest.fixture
def focal_point():
    """The grant of a focal point of one delegation."""

    def grant(delegation_id):
        principal = Principal(
            subject="focal@example.org",
            role=Role.FOCAL_POINT,
            delegation_id=delegation_id,
            token="",
        )
        return Grant(principal=principal, action="test", scope=Scope.OWN_DELEGATION)

    return grant
