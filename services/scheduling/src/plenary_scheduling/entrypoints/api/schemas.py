"""Request and response models of the scheduling API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from plenary_scheduling.domain.model import Visibility
from plenary_shared.inputs import MAX_MEETING_DAYS, Day, Line, Moment, Text, within_days
from plenary_shared.vocabulary import SessionFormat

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
Title = Annotated[Line, StringConstraints(min_length=1, max_length=300)]


def _known_zone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError(f"'{value}' is not an IANA time zone (for example Europe/Moscow)")
    return value


class MeetingCreate(BaseModel):
    """A new meeting of the programme."""

    model_config = ConfigDict(extra="forbid")

    title: Line = Field(min_length=1, max_length=300)
    city: Line = Field(min_length=1, max_length=120)
    venue: Line = Field(min_length=1, max_length=200)
    timezone: str = Field(description="IANA time zone of the venue, e.g. Europe/Moscow")
    starts_on: Day
    ends_on: Day = Field(description=f"at most {MAX_MEETING_DAYS} days after starts_on")
    requires_vetting: bool = Field(
        False, description="nominees must be cleared by the host's security service"
    )

    _zone = field_validator("timezone")(_known_zone)

    @field_validator("ends_on")
    @classmethod
    def _not_too_long(cls, value: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None:
            within_days(starts_on, value, max_days=MAX_MEETING_DAYS, what="a meeting")
        return value


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


class VenueCreate(BaseModel):
    """A venue of a meeting: sessions there are shown in its time zone."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=200)
    city: Line = Field(min_length=1, max_length=120)
    address: Line = Field("", max_length=400)
    timezone: str = Field(description="IANA time zone, e.g. Europe/Moscow")

    _zone = field_validator("timezone")(_known_zone)


class VenueRead(BaseModel):
    """A venue."""

    id: UUID
    meeting_id: UUID
    name: str
    city: str
    address: str
    timezone: str
    created_at: datetime


class RoomCreate(BaseModel):
    """A room of a venue."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=1, le=100_000, description="people the room holds")
    access_zone: Line | None = Field(
        None, max_length=40, description="badge zone needed to enter, e.g. 'A'"
    )
    languages: list[Language] = Field(
        default_factory=list, max_length=20, description="interpretation languages, e.g. en, ru"
    )
    bilateral: bool = Field(False, description="set aside for bilateral meetings")


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


class SessionCreate(BaseModel):
    """A session; times without an offset are wall-clock times at the room's venue."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    titles: dict[Language, Title] = Field(
        default_factory=dict, description="the title in other languages, e.g. {'ru': '...'}"
    )
    format: SessionFormat
    room_id: UUID
    starts_at: Moment
    ends_at: Moment
    visibility: Visibility = Visibility.PUBLIC
    head_delegation_ids: list[UUID] = Field(
        default_factory=list, max_length=300, description="delegations whose heads attend"
    )


class SessionUpdate(BaseModel):
    """A change to a session; only the fields sent change (a move keeps the session's UID)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    titles: dict[Language, Title] | None = None
    room_id: UUID | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    visibility: Visibility | None = None


class SessionCancel(BaseModel):
    """Why a session is cancelled."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=500)


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


class AttendanceCreate(BaseModel):
    """Participants to assign to a session (all or none are assigned)."""

    model_config = ConfigDict(extra="forbid")

    application_ids: list[UUID] = Field(min_length=1, max_length=500)
    waitlist: bool = Field(
        False,
        description="those over their delegation's seats for the session's format wait on the "
        "session's list for a freed seat, instead of the whole request being refused",
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


class HeadsCreate(BaseModel):
    """Delegations whose heads attend a session."""

    model_config = ConfigDict(extra="forbid")

    delegation_ids: list[UUID] = Field(min_length=1, max_length=300)


class ConflictCheckCreate(BaseModel):
    """A proposed change, checked without saving: a new session, or a change to one."""

    model_config = ConfigDict(extra="forbid")

    session_id: UUID | None = Field(None, description="the session to change; omit for a new one")
    format: SessionFormat | None = None
    room_id: UUID | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    application_ids: list[UUID] = Field(default_factory=list, max_length=5000)
    head_delegation_ids: list[UUID] = Field(default_factory=list, max_length=300)


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


class VersionCreate(BaseModel):
    """Publish the current timetable as a frozen version."""

    model_config = ConfigDict(extra="forbid")

    note: Text = Field("", max_length=500)


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


class SlotCreate(BaseModel):
    """A proposed time; without an offset it is read in the meeting's time zone."""

    model_config = ConfigDict(extra="forbid")

    starts_at: Moment
    ends_at: Moment


class BilateralCreate(BaseModel):
    """A delegation asks another for a bilateral meeting, with preferred slots."""

    model_config = ConfigDict(extra="forbid")

    requester_delegation_id: UUID
    counterpart_delegation_id: UUID
    slots: list[SlotCreate] = Field(min_length=1, max_length=10)
    agenda: Line = Field("", max_length=300)
    note: Text = Field("", max_length=1000)


class BilateralAcceptance(BaseModel):
    """Accept a request: in the first workable slot, or the one chosen (0-based)."""

    model_config = ConfigDict(extra="forbid")

    slot: int | None = Field(None, ge=0, le=9)


class BilateralDecline(BaseModel):
    """Decline a request."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=500)


class BilateralCounterProposal(BaseModel):
    """Propose other slots instead."""

    model_config = ConfigDict(extra="forbid")

    slots: list[SlotCreate] = Field(min_length=1, max_length=10)
    note: Text = Field("", max_length=1000)


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
