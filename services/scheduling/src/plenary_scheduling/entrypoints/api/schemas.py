"""Read models of the scheduling API (the commands it takes are in domain/commands.py)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict

from plenary_scheduling.domain import examples as ex
from plenary_scheduling.domain.model import Visibility
from plenary_shared.vocabulary import SessionFormat


class MeetingRead(BaseModel):
    """A meeting."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.MEETING,
                    "title": "Meeting of the SCO Council of Heads of State",
                    "city": "Moscow",
                    "venue": "Moscow International Conference Centre",
                    "timezone": "Europe/Moscow",
                    "starts_on": "2026-07-02",
                    "ends_on": "2026-07-04",
                    "requires_vetting": True,
                    "created_at": "2026-03-10T08:00:00Z",
                }
            ]
        }
    )

    id: UUID = Field(description="The meeting's id, which every service refers to it by")
    title: str = Field(description="The meeting's name as printed on badges")
    city: str = Field(description="The host city")
    venue: str = Field(description="The main venue's name")
    timezone: str = Field(description="IANA time zone of the host city, such as Europe/Moscow")
    starts_on: date = Field(description="The first day, in the host city")
    ends_on: date = Field(description="The last day (inclusive), in the host city")
    requires_vetting: bool = Field(
        description="Nominees must be cleared by the host's security service before accreditation"
    )
    created_at: datetime = Field(description="When the meeting was created (UTC)")


class VenueRead(BaseModel):
    """A venue."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.VENUE,
                    "meeting_id": ex.MEETING,
                    "name": "Moscow International Conference Centre",
                    "city": "Moscow",
                    "address": "Krasnopresnenskaya Naberezhnaya 12, Moscow",
                    "timezone": "Europe/Moscow",
                    "created_at": "2026-03-10T08:05:00Z",
                }
            ]
        }
    )

    id: UUID = Field(description="The venue's id")
    meeting_id: UUID = Field(description="The meeting it belongs to")
    name: str = Field(description="The venue's name")
    city: str = Field(description="The city it is in")
    address: str = Field(description="The street address; empty if not given")
    timezone: str = Field(
        description="IANA time zone of the venue: its sessions' local times are in it"
    )
    created_at: datetime = Field(description="When the venue was added (UTC)")


class RoomRead(BaseModel):
    """A room."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.ROOM,
                    "venue_id": ex.VENUE,
                    "meeting_id": ex.MEETING,
                    "venue": "Moscow International Conference Centre",
                    "timezone": "Europe/Moscow",
                    "name": "Hall A",
                    "capacity": 120,
                    "access_zone": "A",
                    "languages": ["ru", "zh", "en"],
                    "bilateral": False,
                }
            ]
        }
    )

    id: UUID = Field(description="The room's id")
    venue_id: UUID = Field(description="The venue it is in")
    meeting_id: UUID = Field(description="The meeting of that venue")
    venue: str = Field(description="The venue's name")
    timezone: str = Field(description="IANA time zone of the venue")
    name: str = Field(description="The room's name, unique within its venue")
    capacity: int | None = Field(description="Seats in the room; null if not known")
    access_zone: str | None = Field(
        description="The badge zone needed to enter; null when every badge may"
    )
    languages: list[str] = Field(description="Languages interpreted in the room (ISO 639 codes)")
    bilateral: bool = Field(description="Set aside for bilateral meetings")


class SessionRead(BaseModel):
    """A session, in venue-local time and UTC."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.SESSION,
                    "meeting_id": ex.MEETING,
                    "title": "Restricted-format meeting of the Council of Heads of State",
                    "titles": {"ru": "Заседание Совета глав государств в узком составе"},
                    "format": "restricted",
                    "room_id": ex.ROOM,
                    "room": "Hall A",
                    "venue_id": ex.VENUE,
                    "venue": "Moscow International Conference Centre",
                    "timezone": "Europe/Moscow",
                    "starts_at": "2026-07-03T10:00:00+03:00",
                    "ends_at": "2026-07-03T12:00:00+03:00",
                    "starts_at_utc": "2026-07-03T07:00:00Z",
                    "ends_at_utc": "2026-07-03T09:00:00Z",
                    "visibility": "public",
                    "status": "scheduled",
                    "sequence": 1,
                    "cancel_reason": None,
                    "head_delegation_ids": [ex.KAZAKHSTAN, ex.UZBEKISTAN],
                    "attendees": 14,
                    "bilateral_id": None,
                }
            ]
        }
    )

    id: UUID = Field(description="The session's id (also its calendar UID, kept when it moves)")
    meeting_id: UUID = Field(description="The meeting it belongs to")
    title: str = Field(description="The title, in the language asked for (`lang`) when it has one")
    titles: dict[str, str] = Field(description="The title in other languages, by ISO 639 code")
    format: SessionFormat = Field(description="The session's format")
    room_id: UUID = Field(description="The room it takes place in")
    room: str = Field(description="That room's name")
    venue_id: UUID = Field(description="The venue of that room")
    venue: str = Field(description="That venue's name")
    timezone: str = Field(
        description="IANA time zone of the venue, which starts_at and ends_at use"
    )
    starts_at: datetime = Field(description="When it starts: venue-local time with its offset")
    ends_at: datetime = Field(description="When it ends: venue-local time with its offset")
    starts_at_utc: datetime = Field(description="When it starts, in UTC")
    ends_at_utc: datetime = Field(description="When it ends, in UTC")
    visibility: Visibility = Field(
        description="public: seen by everyone; restricted: only organisers and its attendees"
    )
    status: str = Field(
        description="scheduled, or cancelled (a cancelled session stays listed, for calendars)"
    )
    sequence: int = Field(
        description="Revision number, up by one with each change (the calendar SEQUENCE)"
    )
    cancel_reason: str | None = Field(description="Why it was cancelled; null while scheduled")
    head_delegation_ids: list[UUID] = Field(description="Delegations whose heads attend")
    attendees: int = Field(description="Participants assigned to it")
    bilateral_id: UUID | None = Field(
        description="The bilateral request it was scheduled for; null for other sessions"
    )

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_id": ex.SESSION,
                    "title": "Restricted-format meeting of the Council of Heads of State",
                    "starts_at": "2026-07-03T10:00:00+03:00",
                    "timezone": "Europe/Moscow",
                    "application_id": ex.APPLICATION,
                    "given_name": "Aliya",
                    "family_name": "Seitkali",
                    "delegation_id": ex.KAZAKHSTAN,
                    "position": 1,
                    "waiting_since": "2026-06-20T11:42:00Z",
                }
            ]
        }
    )

    session_id: UUID = Field(description="The session waited for")
    title: str = Field(description="The session's title")
    starts_at: datetime = Field(description="The session's start: venue-local time with offset")
    timezone: str = Field(description="IANA time zone of the session's venue")
    application_id: UUID = Field(description="The waiting participant's registration application")
    given_name: str = Field(description="The participant's given name")
    family_name: str = Field(description="The participant's family name")
    delegation_id: UUID = Field(description="The participant's delegation")
    position: int = Field(description="Place in the delegation's line: 1 gets the next freed seat")
    waiting_since: datetime = Field(description="When the participant joined the line (UTC)")

    @classmethod
    def from_row(cls, row) -> SessionWaitingRead:
        """An entry of a ranked line, its session's start in the venue's zone."""
        read = cls.model_validate(row, from_attributes=True)
        return read.model_copy(
            update={"starts_at": row.starts_at.astimezone(ZoneInfo(row.timezone))}
        )


class AttendanceRead(BaseModel):
    """A participant assigned to a session."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application_id": ex.APPLICATION,
                    "delegation_id": ex.KAZAKHSTAN,
                    "given_name": "Aliya",
                    "family_name": "Seitkali",
                    "category": "adviser",
                    "assigned_at": "2026-06-20T11:42:00Z",
                }
            ]
        }
    )

    application_id: UUID = Field(description="The participant's registration application")
    delegation_id: UUID = Field(description="The participant's delegation")
    given_name: str = Field(description="The participant's given name")
    family_name: str = Field(description="The participant's family name")
    category: str = Field(
        description="The participant's category: delegate, adviser, security, media or support"
    )
    assigned_at: datetime = Field(description="When the participant was assigned (UTC)")


class ConflictRead(BaseModel):
    """One conflict of a proposed change."""

    kind: str = Field(
        description="What clashes: room, participant, head, capacity, seats or accreditation"
    )
    message: str = Field(description="The clash in words, naming the other session involved if any")
    session_id: UUID | None = Field(description="The other session involved; null if none")
    session_title: str | None = Field(description="That session's title; null if none")
    application_id: UUID | None = Field(
        description="The participant who is double-booked or not accredited; null if none"
    )
    delegation_id: UUID | None = Field(
        description="The delegation whose head is busy or whose seats are used up; null if none"
    )


class ConflictReportRead(BaseModel):
    """Every conflict of a proposed change; nothing was saved."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ok": False,
                    "conflicts": [
                        {
                            "kind": "head",
                            "message": "the head of delegation of Republic of Uzbekistan is "
                            "already in session 'Extended-format meeting of the Council of Heads "
                            "of State' (2026-07-03 11:00-13:00 Europe/Moscow, id "
                            "7d7f5c1e-2b4a-4f0e-9a55-2c4b8e0d1f36)",
                            "session_id": ex.OTHER_SESSION,
                            "session_title": "Extended-format meeting of the Council of Heads "
                            "of State",
                            "application_id": None,
                            "delegation_id": ex.UZBEKISTAN,
                        }
                    ],
                }
            ]
        }
    )

    ok: bool = Field(description="True when the change meets no conflict and could be saved")
    conflicts: list[ConflictRead] = Field(description="Every conflict found; empty when ok")


class VersionRead(BaseModel):
    """A published schedule version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "meeting_id": ex.MEETING,
                    "number": 3,
                    "note": "Final programme sent to delegations",
                    "published_by": ex.ORGANISER,
                    "published_at": "2026-06-25T14:00:00Z",
                    "sessions": [
                        {
                            "id": ex.SESSION,
                            "title": "Restricted-format meeting of the Council of Heads of State",
                            "format": "restricted",
                            "room_id": ex.ROOM,
                            "room": "Hall A",
                            "starts_at": "2026-07-03T07:00:00+00:00",
                            "ends_at": "2026-07-03T09:00:00+00:00",
                            "status": "scheduled",
                            "visibility": "public",
                        }
                    ],
                }
            ]
        }
    )

    meeting_id: UUID = Field(description="The meeting whose timetable this is")
    number: int = Field(description="The version's number: 1, 2, ... in publishing order")
    note: str = Field(description="What the publisher said of this version; may be empty")
    published_by: str = Field(description="Who published it (the account id of their token)")
    published_at: datetime = Field(description="When it was published (UTC)")
    sessions: list[dict] | None = Field(
        None,
        description="Only when reading one version: its frozen sessions (id, title, format, "
        "room_id, room, starts_at and ends_at in UTC, status, visibility); restricted ones only "
        "for organisers",
    )


CHANGE_EXAMPLE: JsonDict = {
    "session_id": ex.SESSION,
    "title": "Restricted-format meeting of the Council of Heads of State",
    "kinds": ["moved", "re-roomed"],
    "room": "Hall A",
    "previous_room": "Hall B",
    "starts_at": "2026-07-03T15:00:00+03:00",
    "ends_at": "2026-07-03T17:00:00+03:00",
    "previous_starts_at": "2026-07-03T10:00:00+03:00",
    "previous_ends_at": "2026-07-03T12:00:00+03:00",
}
"""A session moved and re-roomed between two versions (the changelog's example)."""


class ChangeRead(BaseModel):
    """One session's change between two versions."""

    model_config = ConfigDict(json_schema_extra={"examples": [CHANGE_EXAMPLE]})

    session_id: UUID = Field(description="The session that changed")
    title: str = Field(description="Its title in the later version")
    kinds: list[str] = Field(
        description="What changed: added, moved, re-roomed, retitled and/or cancelled"
    )
    room: str = Field(description="Its room's name in the later version")
    previous_room: str | None = Field(
        description="Its room's name in the earlier version; null if it was added"
    )
    starts_at: datetime = Field(
        description="Its start in the later version, in the meeting's local time"
    )
    ends_at: datetime = Field(
        description="Its end in the later version, in the meeting's local time"
    )
    previous_starts_at: datetime | None = Field(
        description="Its start in the earlier version (local time); null if it was added"
    )
    previous_ends_at: datetime | None = Field(
        description="Its end in the earlier version (local time); null if it was added"
    )


class ChangelogRead(BaseModel):
    """What changed from one version to another (or to the current timetable)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "meeting_id": ex.MEETING,
                    "from_version": 2,
                    "to_version": 3,
                    "timezone": "Europe/Moscow",
                    "changes": [CHANGE_EXAMPLE],
                }
            ]
        }
    )

    meeting_id: UUID = Field(description="The meeting compared")
    from_version: int = Field(description="The earlier version (`from`)")
    to_version: int | None = Field(
        description="The later version (`to`); null: the current, unpublished timetable"
    )
    timezone: str = Field(description="IANA time zone of the meeting, which the times use")
    changes: list[ChangeRead] = Field(
        description="Each session that changed; restricted ones only for organisers"
    )


class SlotRead(BaseModel):
    """A slot in UTC and in the meeting's local time."""

    starts_at: datetime = Field(description="When the slot starts, in the meeting's local time")
    ends_at: datetime = Field(description="When it ends, in the meeting's local time")


class BilateralRead(BaseModel):
    """A bilateral meeting request."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.BILATERAL,
                    "meeting_id": ex.MEETING,
                    "requester_delegation_id": ex.KAZAKHSTAN,
                    "counterpart_delegation_id": ex.UZBEKISTAN,
                    "awaiting_delegation_id": ex.KAZAKHSTAN,
                    "status": "accepted",
                    "slots": [
                        {
                            "starts_at": "2026-07-02T16:00:00+03:00",
                            "ends_at": "2026-07-02T16:45:00+03:00",
                        }
                    ],
                    "agenda": "Transit corridors and water resources",
                    "note": "Heads of delegation with two advisers each",
                    "session_id": ex.BILATERAL_SESSION,
                    "created_at": "2026-06-18T09:30:00Z",
                    "updated_at": "2026-06-19T12:10:00Z",
                }
            ]
        }
    )

    id: UUID = Field(description="The request's id")
    meeting_id: UUID = Field(description="The meeting it is for")
    requester_delegation_id: UUID = Field(description="The delegation that asked")
    counterpart_delegation_id: UUID = Field(description="The delegation asked to meet")
    awaiting_delegation_id: UUID = Field(
        description="The delegation whose answer is awaited (after a counter-proposal, the other)"
    )
    status: str = Field(description="requested, counter_proposed, accepted or declined")
    slots: list[SlotRead] = Field(description="The times on offer, the most preferred first")
    agenda: str = Field(description="What the delegations would discuss; may be empty")
    note: str = Field(description="The latest note to the other delegation; may be empty")
    session_id: UUID | None = Field(
        description="The session scheduled once accepted; null until then"
    )
    created_at: datetime = Field(description="When it was requested (UTC)")
    updated_at: datetime = Field(description="When it last changed (UTC)")

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application_id": ex.APPLICATION,
                    "meeting_id": ex.MEETING,
                    "delegation_id": ex.KAZAKHSTAN,
                    "given_name": "Aliya",
                    "family_name": "Seitkali",
                    "category": "adviser",
                    "accredited_at": "2026-06-12T10:05:00Z",
                }
            ]
        }
    )

    application_id: UUID = Field(description="The participant's registration application")
    meeting_id: UUID = Field(description="The meeting they are accredited to")
    delegation_id: UUID = Field(description="Their delegation")
    given_name: str = Field(description="The participant's given name")
    family_name: str = Field(description="The participant's family name")
    category: str = Field(
        description="The participant's category: delegate, adviser, security, media or support"
    )
    accredited_at: datetime = Field(description="When they were accredited (UTC)")


class CalendarLinkRead(BaseModel):
    """The personal calendar feed of a participant (keep the link private)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application_id": ex.APPLICATION,
                    "url": "https://plenary.example.org/calendars/participants/"
                    "q3Zt8wKx0fakeTOKENfakeTOKENfake.ics",
                }
            ]
        }
    )

    application_id: UUID = Field(description="The participant's registration application")
    url: str = Field(
        description="The iCalendar feed of the participant's sessions; anyone with the link can "
        "read it"
    )
