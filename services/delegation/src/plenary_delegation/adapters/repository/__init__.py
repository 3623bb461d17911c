"""The delegation service's one door to its tables for the use cases: `uow.repo`.

`Repository` is built on the unit of work's connection (`main.py` gives the class to the
runtime); each part holds the statements of one aggregate. Reads for the routes only are in
`adapters.queries`.
"""

from __future__ import annotations

from plenary_delegation.adapters.repository.focal_points import FocalPointRows
from plenary_delegation.adapters.repository.logistics import LogisticsRows
from plenary_delegation.adapters.repository.meetings import MeetingRows
from plenary_delegation.adapters.repository.nominations import NominationRows
from plenary_delegation.adapters.repository.seats import SeatClaim, SeatRows

__all__ = ["Repository", "SeatClaim"]


class Repository(MeetingRows, SeatRows, NominationRows, FocalPointRows, LogisticsRows):
    """Every statement the use cases run, on one connection: `Repository(conn)`."""
