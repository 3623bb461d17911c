"""Use cases against a fake repository under a fake unit of work: no database, no broker.

fakes.py is loaded under a name of its own, so that another service's tests/service/fakes.py
(same file name, no packages here) can never stand in for it.
"""

from __future__ import annotations

import uuid
from datetime import date
from types import SimpleNamespace as Row

import pytest

from plenary_shared.fakes import FakeUnitOfWork, load_beside

fakes = load_beside(__file__, "fakes.py", name="plenary_scheduling_service_fakes")


class World(fakes.FakeRepository):
    """The fake repository with a test's world seeded straight into its rows."""

    def meeting(self, *, starts_on=date(2025, 11, 17), ends_on=date(2025, 11, 19), **kw) -> Row:
        row = Row(
            id=uuid.uuid4(),
            title=kw.get("title", "Forum"),
            city="Kazan",
            venue="Expo",
            timezone=kw.get("timezone", "Europe/Moscow"),
            starts_on=starts_on,
            ends_on=ends_on,
            requires_vetting=False,
            created_by="organiser",
        )
        self.meetings[row.id] = row
        return row

    def venue(self, meeting: Row, *, name: str = "Expo", timezone: str | None = None) -> Row:
        row = Row(
            id=uuid.uuid4(),
            meeting_id=meeting.id,
            name=name,
            city="Kazan",
            address="",
            timezone=timezone or meeting.timezone,
        )
        self.venues[row.id] = row
        return row

    def room(self, venue: Row, *, name: str = "Hall A", capacity: int = 100, bilateral=False):
        row = Row(
            id=uuid.uuid4(),
            venue_id=venue.id,
            meeting_id=venue.meeting_id,
            name=name,
            capacity=capacity,
            access_zone=None,
            languages=[],
            bilateral=bilateral,
        )
        self.rooms[row.id] = row
        return row

    def delegation(self, meeting: Row, *, name: str = "Ruritania", seats=None, status="active"):
        row = Row(
            id=uuid.uuid4(),
            meeting_id=meeting.id,
            name=name,
            session_seats=dict(seats or {}),
            status=status,
        )
        self.delegations[row.id] = row
        return row

    def participant(self, delegation: Row, *, family_name: str = "Smith", status="accredited"):
        row = Row(
            application_id=uuid.uuid4(),
            meeting_id=delegation.meeting_id,
            delegation_id=delegation.id,
            given_name="Ann",
            family_name=family_name,
            category="delegate",
            accredited_at=self._tick(),
            calendar_token=uuid.uuid4().hex,
            status=status,
        )
        self.participants[row.application_id] = row
        return row

    def attendee_ids(self, session_id: uuid.UUID) -> list[uuid.UUID]:
        return sorted(a for s, a in self.attendance if s == session_id)

    def waiting_ids(self, session_id: uuid.UUID) -> list[uuid.UUID]:
        line = [w for w in self.waiting.values() if w.session_id == session_id]
        return [w.application_id for w in sorted(line, key=lambda w: w.waiting_since)]


@pytest.fixture
def repo():
    """An empty scheduling world; seed it with repo.meeting(), repo.venue(), ..."""
    return World()


@pytest.fixture
def uow(repo):
    """A unit of work writing to the fake repository; records events and commits."""
    return FakeUnitOfWork(repo)
