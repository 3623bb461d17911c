"""Payloads published by the scheduling service on `scheduling.events`."""

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

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


class SessionScheduled(EventPayload):
    """A session was added to a meeting's timetable."""

    event_type: ClassVar[str] = "scheduling.session.scheduled"
    topic: ClassVar[str] = topics.SCHEDULING

    session_id: UUID
    meeting_id: UUID
    title: str
    format: str
    room: str
    starts_at: datetime
    ends_at: datetime
