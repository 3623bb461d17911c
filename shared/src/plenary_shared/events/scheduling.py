"""Payloads published by the scheduling service on `scheduling.events`.

Session events are self-sufficient: they name the session, its meeting, titles, room and venue,
times in UTC and the venue's IANA time zone, so a consumer can tell people without asking back.
The Kafka key of every session, attendance and head event is the session id.
"""

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel

from plenary_shared import topics
from plenary_shared.events import EventPayload


class MeetingCreated(EventPayload):
    """An organiser created a meeting."""

    event_type: ClassVar[str] = "scheduling.meeting.created"
    topic: ClassVar[str] = topics.SCHEDULING

    meeting_id: UUID
    title: str
    city: str
    venue: str
    timezone: str
    starts_on: date
    ends_on: date
    requires_vetting: bool = False


class VenueCreated(EventPayload):
    """A venue of a meeting was recorded."""

    event_type: ClassVar[str] = "scheduling.venue.created"
    topic: ClassVar[str] = topics.SCHEDULING

    venue_id: UUID
    meeting_id: UUID
    name: str
    city: str
    address: str
    timezone: str


class RoomCreated(EventPayload):
    """A room of a venue was recorded."""

    event_type: ClassVar[str] = "scheduling.room.created"
    topic: ClassVar[str] = topics.SCHEDULING

    room_id: UUID
    venue_id: UUID
    meeting_id: UUID
    name: str
    capacity: int | None
    access_zone: str | None
    languages: list[str]
    bilateral: bool


class _Session(EventPayload):
    """What a session is, as of the event: times in UTC, with the venue's time zone."""

    session_id: UUID
    meeting_id: UUID
    title: str
    format: str
    room: str
    starts_at: datetime
    ends_at: datetime
    titles: dict[str, str] = {}
    room_id: UUID | None = None
    venue_id: UUID | None = None
    venue: str | None = None
    timezone: str | None = None
    visibility: str = "public"
    sequence: int = 0
    head_delegation_ids: list[UUID] = []


class SessionScheduled(_Session):
    """A session was added to a meeting's timetable."""

    event_type: ClassVar[str] = "scheduling.session.scheduled"
    topic: ClassVar[str] = topics.SCHEDULING


class SessionMoved(_Session):
    """A session's start or end changed; `starts_at`/`ends_at` are the new times."""

    event_type: ClassVar[str] = "scheduling.session.moved"
    topic: ClassVar[str] = topics.SCHEDULING

    previous_starts_at: datetime
    previous_ends_at: datetime


class SessionReroomed(_Session):
    """A session moved to another room; `room`/`room_id` are the new one."""

    event_type: ClassVar[str] = "scheduling.session.reroomed"
    topic: ClassVar[str] = topics.SCHEDULING

    previous_room_id: UUID
    previous_room: str


class SessionUpdated(_Session):
    """A session's titles or visibility changed (not its time or room)."""

    event_type: ClassVar[str] = "scheduling.session.updated"
    topic: ClassVar[str] = topics.SCHEDULING


class SessionCancelled(_Session):
    """A session was cancelled; its attendees should be told."""

    event_type: ClassVar[str] = "scheduling.session.cancelled"
    topic: ClassVar[str] = topics.SCHEDULING

    reason: str


class _Attendance(EventPayload):
    """One participant in one session, with enough of the session to tell them about it."""

    application_id: UUID
    session_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    room: str


class AttendanceAssigned(_Attendance):
    """A participant was assigned to a session."""

    event_type: ClassVar[str] = "scheduling.attendance.assigned"
    topic: ClassVar[str] = topics.SCHEDULING

    promoted: bool = False
    """True when a seat of the delegation freed and went to this participant from the list."""


class AttendanceWaitlisted(_Attendance):
    """The delegation's seats in the session were taken: the participant waits for one."""

    event_type: ClassVar[str] = "scheduling.attendance.waitlisted"
    topic: ClassVar[str] = topics.SCHEDULING

    position: int
    """1 for the next of the delegation to get a freed seat in this session."""


class AttendanceRemoved(_Attendance):
    """A participant no longer attends a session (unassigned, revoked, withdrawn)."""

    event_type: ClassVar[str] = "scheduling.attendance.removed"
    topic: ClassVar[str] = topics.SCHEDULING

    reason: str


class SessionChange(BaseModel):
    """One session's change between two schedule versions."""

    session_id: UUID
    title: str
    kinds: list[str]


class SchedulePublished(EventPayload):
    """A meeting's schedule version was published (frozen), with what changed since the last."""

    event_type: ClassVar[str] = "scheduling.schedule.published"
    topic: ClassVar[str] = topics.SCHEDULING

    meeting_id: UUID
    version_number: int
    sessions: int
    previous_version: int | None
    changes: list[SessionChange]


class Slot(BaseModel):
    """A proposed time for a bilateral meeting, in UTC."""

    starts_at: datetime
    ends_at: datetime


class _Bilateral(EventPayload):
    """A bilateral meeting request between two delegations."""

    request_id: UUID
    meeting_id: UUID
    requester_delegation_id: UUID
    counterpart_delegation_id: UUID
    awaiting_delegation_id: UUID
    slots: list[Slot]
    agenda: str = ""


class BilateralRequested(_Bilateral):
    """A delegation asked another for a bilateral meeting, with preferred slots."""

    event_type: ClassVar[str] = "scheduling.bilateral.requested"
    topic: ClassVar[str] = topics.SCHEDULING


class BilateralCounterProposed(_Bilateral):
    """The asked delegation proposed other slots; the other side now answers."""

    event_type: ClassVar[str] = "scheduling.bilateral.counter_proposed"
    topic: ClassVar[str] = topics.SCHEDULING


class BilateralAccepted(_Bilateral):
    """A bilateral request was accepted: a session with both heads was scheduled."""

    event_type: ClassVar[str] = "scheduling.bilateral.accepted"
    topic: ClassVar[str] = topics.SCHEDULING

    session_id: UUID
    room_id: UUID
    starts_at: datetime
    ends_at: datetime
    timezone: str


class BilateralDeclined(_Bilateral):
    """A bilateral request was declined, or dropped because a delegation withdrew."""

    event_type: ClassVar[str] = "scheduling.bilateral.declined"
    topic: ClassVar[str] = topics.SCHEDULING

    reason: str
