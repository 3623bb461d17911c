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

from plenary_scheduling.domain import examples as ex
from plenary_scheduling.domain.model import Visibility
from plenary_shared.inputs import MAX_MEETING_DAYS, Day, Line, Moment, Text, within_days
from plenary_shared.vocabulary import SessionFormat

Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
"""An ISO 639 language code in lower case, such as `ru` or `zh`."""
Title = Annotated[Line, StringConstraints(min_length=1, max_length=300)]


def _known_zone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError(f"'{value}' is not an IANA time zone (for example Europe/Moscow)")
    return value


class MeetingCreate(BaseModel):
    """A new meeting of the programme."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Meeting of the SCO Council of Heads of State",
                    "city": "Moscow",
                    "venue": "Moscow International Conference Centre",
                    "timezone": "Europe/Moscow",
                    "starts_on": "2026-07-02",
                    "ends_on": "2026-07-04",
                    "requires_vetting": True,
                }
            ]
        },
    )

    title: Line = Field(
        min_length=1, max_length=300, description="The meeting's name as printed on badges"
    )
    city: Line = Field(min_length=1, max_length=120, description="The host city")
    venue: Line = Field(
        min_length=1,
        max_length=200,
        description="The main venue's name; the venues with their rooms are added separately",
    )
    timezone: str = Field(
        description="IANA time zone of the host city, such as Europe/Moscow: bilateral slots "
        "without an offset are read in it (each venue has its own for its sessions)"
    )
    starts_on: Day = Field(description="The first day of the meeting, in the host city")
    ends_on: Day = Field(
        description=f"The last day of the meeting (inclusive), at most {MAX_MEETING_DAYS} days "
        "after starts_on"
    )
    requires_vetting: bool = Field(
        False,
        description="Nominees must be cleared by the host's security service before they can be "
        "accredited",
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

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Moscow International Conference Centre",
                    "city": "Moscow",
                    "address": "Krasnopresnenskaya Naberezhnaya 12, Moscow",
                    "timezone": "Europe/Moscow",
                }
            ]
        },
    )

    name: Line = Field(min_length=1, max_length=200, description="The venue's name")
    city: Line = Field(min_length=1, max_length=120, description="The city the venue is in")
    address: Line = Field(
        "", max_length=400, description="The street address, for drivers and calendars"
    )
    timezone: str = Field(
        description="IANA time zone of the venue, such as Europe/Moscow: its sessions' times "
        "are shown and read in it"
    )

    _zone = field_validator("timezone")(_known_zone)


class RoomCreate(BaseModel):
    """A room of a venue."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Hall A",
                    "capacity": 120,
                    "access_zone": "A",
                    "languages": ["ru", "zh", "en"],
                    "bilateral": False,
                }
            ]
        },
    )

    name: Line = Field(
        min_length=1, max_length=200, description="The room's name, unique within its venue"
    )
    capacity: int = Field(
        ge=1,
        le=100_000,
        description="Seats in the room: no session there is given more attendees",
    )
    access_zone: Line | None = Field(
        None,
        max_length=40,
        description="The badge zone needed to enter, such as `A`; omit for a room open to every "
        "badge",
    )
    languages: list[Language] = Field(
        default_factory=list,
        max_length=20,
        description="Languages interpreted in the room, as ISO 639 codes such as `ru`, `zh`",
    )
    bilateral: bool = Field(
        False, description="Set aside for bilateral meetings: accepted requests are placed here"
    )


class SessionCreate(BaseModel):
    """A session; times without an offset are wall-clock times at the room's venue."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Restricted-format meeting of the Council of Heads of State",
                    "titles": {"ru": "Заседание Совета глав государств в узком составе"},
                    "format": "restricted",
                    "room_id": ex.ROOM,
                    "starts_at": "2026-07-03T10:00:00",
                    "ends_at": "2026-07-03T12:00:00",
                    "visibility": "public",
                    "head_delegation_ids": [ex.KAZAKHSTAN, ex.UZBEKISTAN],
                }
            ]
        },
    )

    title: Title = Field(description="The session's title in the meeting's working language")
    titles: dict[Language, Title] = Field(
        default_factory=dict,
        description="The title in other languages, by ISO 639 code; a reader asking for one of "
        "them (`lang`) gets it as `title`",
    )
    format: SessionFormat = Field(description="The session's format: seats are counted per format")
    room_id: UUID = Field(description="The room it takes place in (a room of this meeting)")
    starts_at: Moment = Field(
        description="When it starts: ISO 8601; without an offset, wall-clock time at the venue"
    )
    ends_at: Moment = Field(
        description="When it ends, after starts_at and on a day of the meeting; ISO 8601, "
        "without an offset wall-clock time at the venue"
    )
    visibility: Visibility = Field(
        Visibility.PUBLIC,
        description="public: in every timetable and the public feed; restricted: seen only by "
        "organisers and its attendees",
    )
    head_delegation_ids: list[UUID] = Field(
        default_factory=list,
        max_length=300,
        description="Delegations whose heads attend: a head cannot be in two sessions at once",
    )


class SessionUpdate(BaseModel):
    """A change to a session; only the fields sent change (a move keeps the session's UID)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "room_id": ex.ROOM,
                    "starts_at": "2026-07-03T15:00:00",
                    "ends_at": "2026-07-03T17:00:00",
                }
            ]
        },
    )

    title: Title | None = Field(None, description="A new title in the working language")
    titles: dict[Language, Title] | None = Field(
        None, description="New titles in other languages, replacing all of the earlier ones"
    )
    room_id: UUID | None = Field(None, description="Another room of this meeting")
    starts_at: Moment | None = Field(
        None, description="A new start; without an offset, wall-clock time at the venue"
    )
    ends_at: Moment | None = Field(
        None, description="A new end; without an offset, wall-clock time at the venue"
    )
    visibility: Visibility | None = Field(
        None, description="public or restricted (organisers and attendees only)"
    )


class SessionCancel(BaseModel):
    """Why a session is cancelled."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "Merged into the extended-format meeting at 15:00"}]
        },
    )

    reason: Text = Field(
        min_length=1,
        max_length=500,
        description="Why, shown to attendees and in their calendars next to the cancellation",
    )


class AttendanceCreate(BaseModel):
    """Participants to assign to a session (all or none are assigned)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"application_ids": [ex.APPLICATION], "waitlist": True}]},
    )

    application_ids: list[UUID] = Field(
        min_length=1,
        max_length=500,
        description="Accredited participants, by their registration application id",
    )
    waitlist: bool = Field(
        False,
        description="Those over their delegation's seats for the session's format wait on the "
        "session's list for a freed seat, instead of the whole request being refused",
    )


class HeadsCreate(BaseModel):
    """Delegations whose heads attend a session."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"delegation_ids": [ex.KAZAKHSTAN]}]}
    )

    delegation_ids: list[UUID] = Field(
        min_length=1,
        max_length=300,
        description="Delegations whose heads join the session, added to those already there",
    )


class ConflictCheckCreate(BaseModel):
    """A proposed change, checked without saving: a new session, or a change to one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "session_id": ex.SESSION,
                    "room_id": ex.ROOM,
                    "starts_at": "2026-07-03T11:00:00",
                    "ends_at": "2026-07-03T13:00:00",
                    "application_ids": [ex.APPLICATION],
                    "head_delegation_ids": [ex.UZBEKISTAN],
                }
            ]
        },
    )

    session_id: UUID | None = Field(
        None,
        description="The session to change; omit for a new one (then format, room_id, starts_at "
        "and ends_at are needed)",
    )
    format: SessionFormat | None = Field(
        None, description="The format; for a change, omit to keep the session's"
    )
    room_id: UUID | None = Field(None, description="The room; for a change, omit to keep it")
    starts_at: Moment | None = Field(
        None, description="The start (without an offset, venue wall-clock time); omit to keep it"
    )
    ends_at: Moment | None = Field(
        None, description="The end (without an offset, venue wall-clock time); omit to keep it"
    )
    application_ids: list[UUID] = Field(
        default_factory=list,
        max_length=5000,
        description="Participants who would attend, besides those already assigned",
    )
    head_delegation_ids: list[UUID] = Field(
        default_factory=list,
        max_length=300,
        description="Delegations whose heads would attend, besides those already there",
    )


class VersionCreate(BaseModel):
    """Publish the current timetable as a frozen version."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"note": "Final programme sent to delegations"}]},
    )

    note: Text = Field(
        "", max_length=500, description="What this version is, for those comparing versions"
    )


class SlotCreate(BaseModel):
    """A proposed time; without an offset it is read in the meeting's time zone."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"starts_at": "2026-07-02T16:00:00", "ends_at": "2026-07-02T16:45:00"}]
        },
    )

    starts_at: Moment = Field(
        description="When the slot starts; without an offset, in the meeting's time zone"
    )
    ends_at: Moment = Field(
        description="When it ends; without an offset, in the meeting's time zone"
    )


class BilateralCreate(BaseModel):
    """A delegation asks another for a bilateral meeting, with preferred slots."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "requester_delegation_id": ex.KAZAKHSTAN,
                    "counterpart_delegation_id": ex.UZBEKISTAN,
                    "slots": [
                        {"starts_at": "2026-07-02T16:00:00", "ends_at": "2026-07-02T16:45:00"},
                        {"starts_at": "2026-07-03T14:00:00", "ends_at": "2026-07-03T14:45:00"},
                    ],
                    "agenda": "Transit corridors and water resources",
                    "note": "Heads of delegation with two advisers each",
                }
            ]
        },
    )

    requester_delegation_id: UUID = Field(
        description="The delegation asking (a focal point may ask only for their own)"
    )
    counterpart_delegation_id: UUID = Field(description="The delegation asked to meet")
    slots: list[SlotCreate] = Field(
        min_length=1, max_length=10, description="Preferred times, the most preferred first"
    )
    agenda: Line = Field("", max_length=300, description="What the delegations would discuss")
    note: Text = Field(
        "", max_length=1000, description="Anything else the other delegation should know"
    )


class BilateralAcceptance(BaseModel):
    """Accept a request: in the first workable slot, or the one chosen (0-based)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"slot": 0}]})

    slot: int | None = Field(
        None,
        ge=0,
        le=9,
        description="The slot to meet in, counted from 0 in the request's `slots`; omit to take "
        "the first one with a free bilateral room and free heads",
    )


class BilateralDecline(BaseModel):
    """Decline a request."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The head of delegation leaves on 3 July"}]},
    )

    reason: Text = Field(
        min_length=1, max_length=500, description="Why, shown to the requesting delegation"
    )


class BilateralCounterProposal(BaseModel):
    """Propose other slots instead."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "slots": [
                        {"starts_at": "2026-07-03T17:30:00", "ends_at": "2026-07-03T18:15:00"}
                    ],
                    "note": "Only after the extended-format meeting",
                }
            ]
        },
    )

    slots: list[SlotCreate] = Field(
        min_length=1, max_length=10, description="The times offered instead, preferred first"
    )
    note: Text = Field("", max_length=1000, description="A word to the requesting delegation")
