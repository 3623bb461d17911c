"""A repository in memory: the rows scheduling's use cases write and read, without a database.

It answers the same named methods as `plenary_scheduling.adapters.repository.Repository`, with
rows as attribute objects shaped like the real ones (a session joined with its room and venue).
conftest.py seeds a test's world on top of it (meetings, rooms, delegations, participants).
"""

from __future__ import annotations

import itertools
import uuid
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace as Row

LIVE = "scheduled"
# rows a statement RETURNING gives: tuples, as the real ones (the use cases sort and unpack them)
Removed = namedtuple("Removed", "session_id application_id delegation_id")
Headed = namedtuple("Headed", "session_id")


class FakeRepository:
    """Every table of scheduling as a dict; methods named as the real repository's."""

    def __init__(self) -> None:
        self.meetings: dict[uuid.UUID, Row] = {}
        self.venues: dict[uuid.UUID, Row] = {}
        self.rooms: dict[uuid.UUID, Row] = {}
        self.sessions: dict[uuid.UUID, Row] = {}
        self.heads: set[tuple[uuid.UUID, uuid.UUID]] = set()
        self.attendance: dict[tuple[uuid.UUID, uuid.UUID], Row] = {}
        self.waiting: dict[tuple[uuid.UUID, uuid.UUID], Row] = {}
        self.participants: dict[uuid.UUID, Row] = {}
        self.delegations: dict[uuid.UUID, Row] = {}
        self.bilaterals: dict[uuid.UUID, Row] = {}
        self.versions: dict[tuple[uuid.UUID, int], Row] = {}
        self.locked: list[tuple[str, uuid.UUID]] = []
        self._clock = itertools.count()

    def _tick(self) -> datetime:
        """A strictly increasing time (first come, first served in waiting lines)."""
        return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=next(self._clock))

    # -- meetings, venues, rooms, versions ----------------------------------------------------

    async def get_meeting(self, meeting_id):
        return self.meetings.get(meeting_id)

    async def add_meeting(self, meeting_id, *, created_by, **values) -> None:
        self.meetings[meeting_id] = Row(id=meeting_id, created_by=created_by, **values)

    async def get_venue(self, venue_id):
        return self.venues.get(venue_id)

    async def add_venue(self, venue_id, *, meeting_id, **values) -> bool:
        if any(
            v.meeting_id == meeting_id and v.name == values["name"] for v in self.venues.values()
        ):
            return False
        self.venues[venue_id] = Row(id=venue_id, meeting_id=meeting_id, **values)
        return True

    async def get_room(self, room_id, *, lock: bool = False):
        room = self.rooms.get(room_id)
        if room is None:
            return None
        if lock:
            self.locked.append(("room", room_id))
        venue = self.venues[room.venue_id]
        return Row(**vars(room), venue=venue.name, timezone=venue.timezone)

    async def add_room(self, room_id, *, venue_id, meeting_id, **values) -> bool:
        if any(r.venue_id == venue_id and r.name == values["name"] for r in self.rooms.values()):
            return False
        self.rooms[room_id] = Row(id=room_id, venue_id=venue_id, meeting_id=meeting_id, **values)
        return True

    async def bilateral_rooms(self, meeting_id) -> list:
        found = [r for r in self.rooms.values() if r.meeting_id == meeting_id and r.bilateral]
        return [r.id for r in sorted(found, key=lambda r: (r.name, r.id))]

    async def lock_meeting(self, meeting_id) -> bool:
        self.locked.append(("meeting", meeting_id))
        return meeting_id in self.meetings

    async def last_version(self, meeting_id):
        return max((n for m, n in self.versions if m == meeting_id), default=None)

    async def get_version(self, meeting_id, number):
        return self.versions.get((meeting_id, number))

    async def add_version(self, version_id, **values) -> None:
        row = Row(id=version_id, published_at=self._tick(), **values)
        self.versions[(row.meeting_id, row.number)] = row

    async def timetable(self, meeting_id) -> list:
        rows = [await self.get_session(s.id) for s in self.sessions.values()]
        rows = [r for r in rows if r.meeting_id == meeting_id]
        return sorted(rows, key=lambda r: (r.starts_at, r.id))

    # -- sessions and heads -------------------------------------------------------------------

    async def get_session(self, session_id, *, lock: bool = False):
        session = self.sessions.get(session_id)
        if session is None:
            return None
        if lock:
            self.locked.append(("session", session_id))
        room = self.rooms[session.room_id]
        venue = self.venues[room.venue_id]
        return Row(
            **vars(session),
            room=room.name,
            room_capacity=room.capacity,
            access_zone=room.access_zone,
            venue_id=venue.id,
            venue=venue.name,
            timezone=venue.timezone,
        )

    async def heads_of(self, session_ids) -> dict:
        ids = list(session_ids)
        return {i: sorted(d for s, d in self.heads if s == i) for i in ids}

    async def add_session(self, session_id, *, session_format, heads, **values) -> None:
        self.sessions[session_id] = Row(
            id=session_id,
            format=session_format,
            status=LIVE,
            sequence=0,
            cancel_reason=None,
            updated_at=self._tick(),
            **values,
        )
        self.heads |= {(session_id, d) for d in heads}

    async def change_session(self, session_id, *, updated_at=None, **values) -> None:
        session = self.sessions[session_id]
        for key, value in values.items():
            setattr(session, key, value)
        session.sequence += 1
        session.updated_at = updated_at or self._tick()

    async def add_heads(self, session_id, delegation_ids) -> None:
        self.heads |= {(session_id, d) for d in delegation_ids}

    async def remove_head(self, session_id, delegation_id) -> bool:
        if (session_id, delegation_id) not in self.heads:
            return False
        self.heads.discard((session_id, delegation_id))
        return True

    async def remove_heads_of(self, delegation_id) -> list:
        gone = [(s, d) for s, d in self.heads if d == delegation_id]
        self.heads -= set(gone)
        return [Headed(s) for s, _ in gone]

    def _live_overlapping(self, starts_at, ends_at, *, exclude=None):
        return [
            s
            for s in self.sessions.values()
            if s.status == LIVE
            and s.starts_at < ends_at
            and s.ends_at > starts_at
            and s.id != exclude
        ]

    async def room_bookings(self, *, room_id, starts_at, ends_at, changeover, exclude) -> list:
        found = [
            s
            for s in self._live_overlapping(starts_at - changeover, ends_at + changeover)
            if s.room_id == room_id and s.id != exclude
        ]
        return sorted(found, key=lambda s: s.starts_at)

    async def head_overlaps(self, *, delegation_ids, session_id, starts_at, ends_at) -> list:
        return [
            Row(delegation_id=d, id=s.id, title=s.title, starts_at=s.starts_at, ends_at=s.ends_at)
            for s in self._live_overlapping(starts_at, ends_at, exclude=session_id)
            for d in delegation_ids
            if (s.id, d) in self.heads
        ]

    # -- attendance and waiting lists ---------------------------------------------------------

    async def attendees(self, session_id) -> list:
        return self.attendee_ids(session_id)

    async def delegation_use(self, session_id) -> dict:
        used: dict = {}
        for (s, _), row in self.attendance.items():
            if s == session_id:
                used[row.delegation_id] = used.get(row.delegation_id, 0) + 1
        return used

    async def participant_overlaps(self, *, application_ids, session_id, starts_at, ends_at):
        who = set(application_ids)
        if session_id is not None:
            who |= set(self.attendee_ids(session_id))
        return [
            Row(application_id=a, id=s.id, title=s.title, starts_at=s.starts_at, ends_at=s.ends_at)
            for s in self._live_overlapping(starts_at, ends_at, exclude=session_id)
            for a in sorted(who)
            if (s.id, a) in self.attendance
        ]

    async def assign(self, rows: list[dict]) -> None:
        for values in rows:
            key = (values["session_id"], values["application_id"])
            assert key not in self.attendance, "the attendance primary key would refuse this"
            self.attendance[key] = Row(**values)

    def _unassign(self, keep) -> list:
        gone = [row for key, row in self.attendance.items() if not keep(row)]
        for row in gone:
            del self.attendance[(row.session_id, row.application_id)]
        return [Removed(r.session_id, r.application_id, r.delegation_id) for r in gone]

    async def unassign(self, session_id, application_id) -> list:
        return self._unassign(
            lambda r: (r.session_id, r.application_id) != (session_id, application_id)
        )

    async def unassign_participant(self, application_id) -> list:
        return self._unassign(lambda r: r.application_id != application_id)

    async def unassign_delegation(self, delegation_id) -> list:
        return self._unassign(lambda r: r.delegation_id != delegation_id)

    async def add_waiting(self, *, session_id, application_id, **values) -> bool:
        if (session_id, application_id) in self.waiting:
            return False
        self.waiting[(session_id, application_id)] = Row(
            session_id=session_id, application_id=application_id, waiting_since=self._tick(),
            **values,
        )  # fmt: skip
        return True

    def _line(self, session_id, delegation_id) -> list:
        line = [
            w
            for w in self.waiting.values()
            if w.session_id == session_id and w.delegation_id == delegation_id
        ]
        return sorted(line, key=lambda w: (w.waiting_since, w.application_id))

    async def waiting_position(self, session_id, application_id) -> int:
        mine = self.waiting[(session_id, application_id)]
        return [w.application_id for w in self._line(session_id, mine.delegation_id)].index(
            application_id
        ) + 1

    async def waiting_line(self, session_id, delegation_id) -> list:
        return self._line(session_id, delegation_id)

    async def seat_waiting(self, *, session_id, application_id, **values) -> None:
        del self.waiting[(session_id, application_id)]
        await self.assign([{"session_id": session_id, "application_id": application_id, **values}])

    async def stop_waiting(self, session_id, application_ids) -> None:
        for application_id in application_ids:
            self.waiting.pop((session_id, application_id), None)

    async def leave_waiting_lists(self, *, application_id=None, delegation_id=None) -> None:
        for key, w in list(self.waiting.items()):
            if (
                (w.application_id == application_id)
                if application_id
                else (w.delegation_id == delegation_id)
            ):
                del self.waiting[key]

    async def sessions_waiting_for(self, delegation_id) -> list:
        return sorted(
            {w.session_id for w in self.waiting.values() if w.delegation_id == delegation_id}
        )

    # -- participants and delegations ---------------------------------------------------------

    async def participants_by_id(self, ids, *, lock: bool = False) -> dict:
        found = {i: self.participants[i] for i in sorted(set(ids)) if i in self.participants}
        if lock:
            self.locked += [("participant", i) for i in found]
        return found

    async def get_participant(self, application_id):
        return self.participants.get(application_id)

    async def record_participants(self, rows: list[dict]) -> None:
        for values in rows:
            known = self.participants.get(values["application_id"])
            token = known.calendar_token if known else values["calendar_token"]
            self.participants[values["application_id"]] = Row(**{**values, "calendar_token": token})

    async def learn_participant(self, **values) -> None:
        self.participants.setdefault(values["application_id"], Row(status="accredited", **values))

    async def set_participant_status(self, application_id, status) -> bool:
        if application_id not in self.participants:
            return False
        self.participants[application_id].status = status
        return True

    async def withdraw_participants_of(self, delegation_id) -> None:
        for p in self.participants.values():
            if p.delegation_id == delegation_id and p.status == "accredited":
                p.status = "withdrawn"

    async def delegations_by_id(self, ids, *, lock: bool = False) -> dict:
        found = {i: self.delegations[i] for i in sorted(set(ids)) if i in self.delegations}
        if lock:
            self.locked += [("delegation", i) for i in found]
        return found

    async def save_delegation(self, delegation_id, *, meeting_id, name, session_seats) -> None:
        status = (
            self.delegations[delegation_id].status
            if delegation_id in self.delegations
            else "active"
        )
        self.delegations[delegation_id] = Row(
            id=delegation_id, meeting_id=meeting_id, name=name, session_seats=session_seats,
            status=status,
        )  # fmt: skip

    async def set_delegation_seats(self, delegation_id, session_seats) -> bool:
        if delegation_id not in self.delegations:
            return False
        self.delegations[delegation_id].session_seats = session_seats
        return True

    async def withdraw_delegation(self, delegation_id) -> bool:
        if delegation_id not in self.delegations:
            return False
        self.delegations[delegation_id].status = "withdrawn"
        return True

    # -- bilateral requests -------------------------------------------------------------------

    async def get_bilateral(self, request_id, *, lock: bool = False):
        if lock:
            self.locked.append(("bilateral", request_id))
        return self.bilaterals.get(request_id)

    async def add_bilateral(self, request_id, **values) -> None:
        now = self._tick()
        self.bilaterals[request_id] = Row(
            id=request_id, session_id=None, created_at=now, updated_at=now, **values
        )

    async def bilaterals_of(self, delegation_id) -> list:
        rows = [
            b
            for b in self.bilaterals.values()
            if delegation_id in (b.requester_id, b.counterpart_id)
        ]
        return sorted(rows, key=lambda b: (b.created_at, b.id))

    async def accept_bilateral(self, request_id, *, session_id) -> None:
        row = self.bilaterals[request_id]
        row.status, row.session_id, row.updated_at = "accepted", session_id, self._tick()

    async def decline_bilateral(self, request_id, *, note=None, at=None) -> None:
        row = self.bilaterals[request_id]
        row.status, row.updated_at = "declined", at or self._tick()
        if note is not None:
            row.note = note

    async def counter_propose(self, request_id, *, slots, note, awaiting_id) -> None:
        row = self.bilaterals[request_id]
        row.status, row.slots, row.note = "counter_proposed", slots, note
        row.awaiting_id, row.updated_at = awaiting_id, self._tick()
