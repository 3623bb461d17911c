"""The one door of the service layer to the registration schema: `uow.repo`.

`Repository` combines one part per aggregate (applications with the meetings and delegations
they are checked against, accounts, badges, imports, sessions, throttle counters); each part's
methods are the writes and locking reads of its tables, on the unit of work's connection.
"""

from __future__ import annotations

from plenary_registration.adapters.repository.accounts import AccountRows
from plenary_registration.adapters.repository.applications import ApplicationRows
from plenary_registration.adapters.repository.badges import BadgeRows
from plenary_registration.adapters.repository.imports import ImportRows
from plenary_registration.adapters.repository.sessions import SessionRows
from plenary_registration.adapters.repository.throttle import ThrottleRows


class Repository(ApplicationRows, AccountRows, BadgeRows, ImportRows, SessionRows, ThrottleRows):
    """Every part of registration's repository on one connection (`uow.repo`)."""


__all__ = ["Repository"]
