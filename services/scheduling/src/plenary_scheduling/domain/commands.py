"""The commands of scheduling: what a use case is asked to do (the request bodies of the API).

Class names and fields are those of the API: the OpenAPI document names them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID
from zoneinfo import available_timezones

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


class VenueCreate(BaseModel):
    """A venue of a meeting: sessions there are shown in its time zone."""

    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=200)
    city: Line = Field(min_length=1, max_length=120)
    address: Line = Field("", max_length=400)
    timezone: str = Field(description="IANA time zone, e.g. Europe/Moscow")

    _zone = field_validator("timezone")(_known_zone)


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


class AttendanceCreate(BaseModel):
    """Participants to assign to a session (all or none are assigned)."""

    model_config = ConfigDict(extra="forbid")

    application_ids: list[UUID] = Field(min_length=1, max_length=500)
    waitlist: bool = Field(
        False,
        description="those over their delegation's seats for the session's format wait on the "
        "session's list for a freed seat, instead of the whole request being refused",
    )


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


class VersionCreate(BaseModel):
    """Publish the current timetable as a frozen version."""

    model_config = ConfigDict(extra="forbid")

    note: Text = Field("", max_length=500)


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
