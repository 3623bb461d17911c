"""The one door of the service layer to the database: `uow.repo`, one part per aggregate."""

from __future__ import annotations

from plenary_scheduling.adapters.repository.attendance import AttendanceRows
from plenary_scheduling.adapters.repository.bilaterals import BilateralRows
from plenary_scheduling.adapters.repository.meetings import MeetingRows
from plenary_scheduling.adapters.repository.people import PeopleRows
from plenary_scheduling.adapters.repository.sessions import SessionRows


class Repository(MeetingRows, SessionRows, AttendanceRows, PeopleRows, BilateralRows):
    """Every named write, lock and read of the use cases, on the unit of work's connection."""
