"""Read models of the delegation API (the request bodies are in `domain.commands`)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict

from plenary_delegation.domain import examples as ex
from plenary_delegation.domain.commands import AccommodationPut, LiaisonPut
from plenary_delegation.domain.model import (
    DelegationKind,
    DelegationStatus,
    Direction,
    HeadRank,
    TravelMode,
)


class DelegationRead(BaseModel):
    """A delegation with its quotas and their use."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.KAZAKHSTAN,
                    "meeting_id": ex.MEETING,
                    "name": "Republic of Kazakhstan",
                    "names": {"en": "Republic of Kazakhstan", "ru": "Республика Казахстан"},
                    "country_code": "KAZ",
                    "kind": "member",
                    "head_name": "Nurlan Abenov",
                    "head_title": "Minister of Foreign Affairs",
                    "head_rank": "minister",
                    "quota": 40,
                    "quota_used": 40,
                    "category_quotas": {"delegate": 10, "adviser": 12, "media": 8},
                    "category_used": {"delegate": 10, "adviser": 12, "media": 6, "security": 12},
                    "session_seats": {"restricted": 4, "extended": 7},
                    "waitlist_by_default": True,
                    "status": "active",
                    "withdrawn_at": None,
                    "withdrawal_reason": None,
                    "created_at": "2026-03-12T09:00:00Z",
                }
            ]
        }
    )

    id: UUID = Field(description="The delegation's id, which every service refers to it by")
    meeting_id: UUID = Field(description="The meeting it takes part in")
    name: str = Field(description="The default name (badges, lists)")
    names: dict[str, str] = Field(
        description="The name per language (en, ru), for protocol order in that language"
    )
    country_code: str | None = Field(
        description="ISO 3166-1 alpha-3 code of the state; null for organisations"
    )
    kind: DelegationKind = Field(description="How the delegation takes part")
    head_name: str | None = Field(description="The head of delegation's full name; null if not set")
    head_title: str | None = Field(description="The head's office; null if not set")
    head_rank: HeadRank | None = Field(description="The head's protocol rank; null if not set")
    quota: int = Field(description="How many participants the delegation may have accepted")
    quota_used: int = Field(
        description="Seats of the quota taken by accepted nominations (a withdrawal frees one)"
    )
    category_quotas: dict[str, int] = Field(
        description="Quota per category, for the categories that have their own"
    )
    category_used: dict[str, int] = Field(
        description="Accepted nominations per category (categories with none left out)"
    )
    session_seats: dict[str, int] = Field(
        description="Seats per session format: how many of its participants may attend one "
        "session of that format; a format left out has no limit"
    )
    waitlist_by_default: bool = Field(
        description="Over quota, a nomination waits on the list unless its focal point says "
        "otherwise (false: it is rejected unless the focal point asks for the list)"
    )
    status: DelegationStatus = Field(
        description="active, or withdrawn (it can no longer be changed)"
    )
    withdrawn_at: datetime | None = Field(description="When it withdrew (UTC); null while active")
    withdrawal_reason: str | None = Field(description="Why it withdrew; null while active")
    created_at: datetime = Field(description="When it was registered (UTC)")

    @classmethod
    def from_row(cls, row, counters) -> DelegationRead:
        """A stored delegation with its per-category counters."""
        return cls(
            **{k: v for k, v in row._mapping.items() if k in cls.model_fields},
            category_quotas={c.category: c.quota for c in counters if c.quota is not None},
            category_used={c.category: c.used for c in counters if c.used},
        )


class FocalPointRead(BaseModel):
    """A current focal point of a delegation."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.FOCAL_POINT,
                    "delegation_id": ex.KAZAKHSTAN,
                    "email": "focal.point@mfa.example.kz",
                    "name": "Aliya Seitkali",
                    "language": "ru",
                    "assigned_by": ex.ORGANISER,
                    "assigned_at": "2026-03-12T09:30:00Z",
                }
            ]
        }
    )

    id: UUID = Field(description="The focal point's id")
    delegation_id: UUID = Field(description="The delegation they act for")
    email: str = Field(description="Their e-mail address, where they are written to")
    name: str = Field(description="Their full name")
    language: str = Field(description="The language they are written to in: en, ru or zh")
    assigned_by: str = Field(
        description="Who made them focal point (the account id of their token)"
    )
    assigned_at: datetime = Field(description="When they were made focal point (UTC)")


MOVEMENT_EXAMPLE: JsonDict = {
    "id": ex.MOVEMENT,
    "delegation_id": ex.KAZAKHSTAN,
    "meeting_id": ex.MEETING,
    "direction": "arrival",
    "mode": "flight",
    "carrier": "Air Astana",
    "number": "KC 871",
    "place": "SVO",
    "persons": 18,
    "timezone": "Europe/Moscow",
    "scheduled_at": "2026-07-01T14:35:00+03:00",
    "scheduled_at_utc": "2026-07-01T11:35:00Z",
    "created_at": "2026-06-20T08:15:00Z",
}
"""A delegation's arrival (the movements' and arrivals' example)."""


class MovementRead(BaseModel):
    """An arrival or departure, in venue-local time and UTC."""

    model_config = ConfigDict(json_schema_extra={"examples": [MOVEMENT_EXAMPLE]})

    id: UUID = Field(description="The movement's id")
    delegation_id: UUID = Field(description="The delegation travelling")
    meeting_id: UUID = Field(description="The delegation's meeting")
    direction: Direction = Field(description="arrival or departure")
    mode: TravelMode = Field(description="flight, train or road")
    carrier: str | None = Field(description="The airline or railway; null if not given")
    number: str | None = Field(description="The flight or train number; null if not given")
    place: str = Field(description="The airport or station")
    persons: int = Field(description="How many people travel together")
    timezone: str = Field(description="IANA time zone of the meeting, which scheduled_at uses")
    scheduled_at: datetime = Field(
        description="When, by the timetable: venue-local time with offset"
    )
    scheduled_at_utc: datetime = Field(description="The same moment in UTC")
    created_at: datetime = Field(description="When it was recorded (UTC)")

    @classmethod
    def from_row(cls, row) -> MovementRead:
        """Render a stored (UTC) movement in its meeting's zone."""
        values = {k: v for k, v in row._mapping.items() if k in cls.model_fields}
        values["scheduled_at"] = row.scheduled_at.astimezone(ZoneInfo(row.timezone))
        values["scheduled_at_utc"] = row.scheduled_at
        return cls(**values)


class ArrivalRead(MovementRead):
    """An arrival with the name of its delegation."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **MOVEMENT_EXAMPLE,
                    "delegation_name": "Republic of Kazakhstan",
                    "country_code": "KAZ",
                }
            ]
        }
    )

    delegation_name: str = Field(description="The delegation's default name")
    country_code: str | None = Field(
        description="ISO 3166-1 alpha-3 code of its state; null for organisations"
    )


class AccommodationRead(AccommodationPut):
    """A delegation's hotel and room block, with who set it."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "hotel": "Radisson Collection Moscow",
                    "rooms": 22,
                    "check_in": "2026-07-01",
                    "check_out": "2026-07-05",
                    "delegation_id": ex.KAZAKHSTAN,
                    "updated_by": ex.ORGANISER,
                    "updated_at": "2026-06-10T13:00:00Z",
                }
            ]
        },
    )

    hotel: str = Field(description="The hotel the delegation stays at")  # as stored
    check_in: date = Field(description="The day of arrival at the hotel")
    check_out: date = Field(description="The day of departure from the hotel")
    delegation_id: UUID = Field(description="The delegation staying")
    updated_by: str = Field(description="Who set it last (the account id of their token)")
    updated_at: datetime = Field(description="When it was set last (UTC)")


class LiaisonRead(LiaisonPut):
    """A delegation's liaison officer, with who set it."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "name": "Irina Volkova",
                    "phone": "+7 495 555 0142",
                    "email": "liaison.kaz@summit.example.org",
                    "delegation_id": ex.KAZAKHSTAN,
                    "updated_by": ex.ORGANISER,
                    "updated_at": "2026-06-10T13:05:00Z",
                }
            ]
        },
    )

    name: str = Field(description="The officer's full name")  # as stored
    delegation_id: UUID = Field(description="The delegation they look after")
    updated_by: str = Field(description="Who assigned them last (the account id of their token)")
    updated_at: datetime = Field(description="When they were assigned last (UTC)")


class WaitingEntry(BaseModel):
    """A nomination waiting for a seat, with its place in its category's line."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application_id": ex.APPLICATION,
                    "category": "adviser",
                    "position": 1,
                    "waitlisted_at": "2026-06-14T07:50:00Z",
                }
            ]
        }
    )

    application_id: UUID = Field(description="The waiting nomination (registration application)")
    category: str = Field(
        description="Its participant category: delegate, adviser, security, media or support"
    )
    position: int = Field(description="Place in its category's line: 1 gets the next freed seat")
    waitlisted_at: datetime = Field(description="When it joined the list (UTC)")
