"""Read models of the scheduling API (the commands it takes are in domain/commands.py)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from plenary_scheduling.domain.model import Visibility
from plenary_shared.vocabulary import SessionFormat


class MeetingRead(BaseModel):
    """A meeting."""

    id: UUID
    title: str
    city: str
    venue: str
    timezone: str
    starts_on: date
    ends_on: date
    requires_vetting: bool
    created_at: datetime


class VenueRead(BaseModel):
    """A venue."""

    id: UUID
    meeting_id: UUID
    name: str
    city: str
    address: str
    timezone: str
    created_at: datetime


class RoomRead(BaseModel):
    """A room."""

    id: UUID
    venue_id: UUID
    meeting_id: UUID
    venue: str
    timezone: str
    name: str
    capacity: int | None
    access_zone: str | None
    languages: list[str]
    bilateral: bool


class SessionRead(BaseModel):
    """A session, in venue-local time and UTC."""

    id: UUID
    meeting_id: UUID
    title: str
    titles: dict[str, str]
    format: SessionFormat
    room_id: UUID
    room: str
    venue_id: UUID
    venue: str
    timezone: str
    starts_at: datetime = Field(description="venue-local time with offset")
    ends_at: datetime = Field(description="venue-local time with offset")
    starts_at_utc: datetime
    ends_at_utc: datetime
    visibility: Visibility
    status: str
    sequence: int
    cancel_reason: str | None
    head_delegation_ids: list[UUID]
    attendees: int
    bilateral_id: UUID | None

    @classmethod
    def from_row(
        cls, row, *, heads: list[UUID], attendees: int, lang: str | None = None
    ) -> SessionRead:
        """Render a stored (UTC) session in its venue's zone, titled in `lang` when known."""
        zone = ZoneInfo(row.timezone)
        titles = dict(row.titles or {})
        return cls(
            id=row.id,
            meeting_id=row.meeting_id,
            title=titles.get(lang, row.title) if lang else row.title,
            titles=titles,
            format=row.format,
            room_id=row.room_id,
            room=row.room,
            venue_id=row.venue_id,
            venue=row.venue,
            timezone=row.timezone,
            starts_at=row.starts_at.astimezone(zone),
            ends_at=row.ends_at.astimezone(zone),
            starts_at_utc=row.starts_at,
            ends_at_utc=row.ends_at,
            visibility=row.visibility,
            status=row.status,
            sequence=row.sequence,
            cancel_reason=row.cancel_reason,
            head_delegation_ids=heads,
            attendees=attendees,
            bilateral_id=row.bilateral_id,
        )


class SessionWaitingRead(BaseModel):
    """A participant waiting for a seat of its delegation in a session."""

    session_id: UUID
    title: str
    starts_at: datetime = Field(description="the session's start, venue-local time with offset")
    timezone: str
    application_id: UUID
    given_name: str
    family_name: str
    delegation_id: UUID
    position: int = Field(description="1 = the next of its delegation to get a freed seat")
    waiting_since: datetime

    @classmethod
    def from_row(cls, row) -> SessionWaitingRead:
        """An entry of a ranked line, its session's start in the venue's zone."""
        read = cls.model_validate(row, from_attributes=True)
        return read.model_copy(
            update={"starts_at": row.starts_at.astimezone(ZoneInfo(row.timezone))}
        )


class AttendanceRead(BaseModel):
    """A participant assigned to a session."""

    application_id: UUID
    delegation_id: UUID
    given_name: str
    family_name: str
    category: str
    assigned_at: datetime


class ConflictRead(BaseModel):
    """One conflict of a proposed change."""

    kind: str = Field(description="room, participant, head, capacity, seats or accreditation")
    message: str
    session_id: UUID | None
    session_title: str | None
    application_id: UUID | None
    delegation_id: UUID | None


class ConflictReportRead(BaseModel):
    """Every conflict of a proposed change; nothing was saved."""

    ok: bool
    conflicts: list[ConflictRead]


class VersionRead(BaseModel):
    """A published schedule version."""

    meeting_id: UUID
    number: int
    note: str
    published_by: str
    published_at: datetime
    sessions: list[dict] | None = None


class ChangeRead(BaseModel):
    """One session's change between two versions."""

    session_id: UUID
    title: str
    kinds: list[str] = Field(description="added, moved, re-roomed, retitled or cancelled")
    room: str
    previous_room: str | None
    starts_at: datetime
    ends_at: datetime
    previous_starts_at: datetime | None
    previous_ends_at: datetime | None


class ChangelogRead(BaseModel):
    """What changed from one version to another (or to the current timetable)."""

    meeting_id: UUID
    from_version: int
    to_version: int | None = Field(description="None: the current, unpublished timetable")
    timezone: str
    changes: list[ChangeRead]


class SlotRead(BaseModel):
    """A slot in UTC and in the meeting's local time."""

    starts_at: datetime
    ends_at: datetime


class BilateralRead(BaseModel):
    """A bilateral meeting request."""

    id: UUID
    meeting_id: UUID
    requester_delegation_id: UUID
    counterpart_delegation_id: UUID
    awaiting_delegation_id: UUID
    status: str
    slots: list[SlotRead]
    agenda: str
    note: str
    session_id: UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row, *, timezone: str) -> BilateralRead:
        """Render a stored request, slots in the meeting's time zone."""
        zone = ZoneInfo(timezone)
        return cls(
            id=row.id,
            meeting_id=row.meeting_id,
            requester_delegation_id=row.requester_id,
            counterpart_delegation_id=row.counterpart_id,
            awaiting_delegation_id=row.awaiting_id,
            status=row.status,
            slots=[
                SlotRead(
                    starts_at=datetime.fromisoformat(s["starts_at"]).astimezone(zone),
                    ends_at=datetime.fromisoformat(s["ends_at"]).astimezone(zone),
                )
                for s in row.slots
            ],
            agenda=row.agenda,
            note=row.note,
            session_id=row.session_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class ParticipantRead(BaseModel):
    """An accredited participant as scheduling knows them."""

    application_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    given_name: str
    family_name: str
    category: str
    accredited_at: datetime


class CalendarLinkRead(BaseModel):
    """The personal calendar feed of a participant (keep the link private)."""

    application_id: UUID
    url: str
