"""The commands of the delegation service: what each use case takes (the API's request bodies)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from plenary_delegation.domain.model import DelegationKind, Direction, HeadRank, TravelMode
from plenary_shared.inputs import Day, Line, Moment, Text
from plenary_shared.vocabulary import Category, SessionFormat

Language = Literal["en", "ru", "zh"]
Limit = Annotated[int, Field(ge=0, le=100_000)]
Phone = Annotated[
    str,
    Field(
        pattern=r"^\+[0-9 ]{6,20}$",
        description="International format: + and the country code, spaces allowed",
        examples=["+7 495 555 0142"],
    ),
]


class DelegationNames(BaseModel):
    """The delegation's name per language, for protocol order; `name` stays the default."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"en": "Republic of Kazakhstan", "ru": "Республика Казахстан"}]
        },
    )

    en: Line | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The name in English, used for English protocol order",
        examples=["Republic of Kazakhstan"],
    )
    ru: Line | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The name in Russian, used for Russian protocol order",
        examples=["Республика Казахстан"],
    )


class DelegationCreate(BaseModel):
    """A delegation to register for a meeting."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Republic of Kazakhstan",
                    "names": {"en": "Republic of Kazakhstan", "ru": "Республика Казахстан"},
                    "country_code": "KAZ",
                    "kind": "member",
                    "head_name": "Nurlan Abenov",
                    "head_title": "Minister of Foreign Affairs",
                    "head_rank": "minister",
                    "quota": 40,
                    "category_quotas": {"delegate": 10, "adviser": 12, "media": 8},
                    "session_seats": {"restricted": 4, "extended": 7},
                    "waitlist_by_default": True,
                }
            ]
        },
    )

    id: UUID | None = Field(
        None,
        description="An id chosen by the client, so that a retried request cannot register the "
        "delegation twice; omit to have one assigned",
    )
    name: Line = Field(
        min_length=1,
        max_length=200,
        description="The delegation's name as shown by default (badges, lists)",
        examples=["Republic of Kazakhstan"],
    )
    names: DelegationNames | None = Field(
        None, description="The name per language, for protocol order in that language"
    )
    country_code: str | None = Field(
        None,
        pattern=r"^[A-Z]{3}$",
        description="ISO 3166-1 alpha-3 code of the state, such as KAZ; omit for organisations",
    )
    kind: DelegationKind = Field(description="How the delegation takes part in the meeting")
    head_name: Line | None = Field(
        None, max_length=200, description="The head of delegation's full name"
    )
    head_title: Line | None = Field(
        None, max_length=200, description="The head's office, as protocol writes it"
    )
    head_rank: HeadRank | None = Field(
        None, description="The head's protocol rank, which orders delegations of a kind"
    )
    quota: int = Field(
        ge=0, le=100_000, description="How many participants the delegation may have accepted"
    )
    category_quotas: dict[Category, Limit] = Field(
        default_factory=dict,
        description="Quota per participant category, within the total; a category left out has "
        "no limit of its own",
        examples=[{"delegate": 10, "adviser": 3}],
    )
    session_seats: dict[SessionFormat, Limit] = Field(
        default_factory=dict,
        description="Seats per session format: how many of its participants may attend one "
        "session of that format; a format left out has no limit",
        examples=[{"restricted": 4, "extended": 7}],
    )
    waitlist_by_default: bool = Field(
        False,
        description="Over quota, a nomination waits on the delegation's list unless its focal "
        "point says otherwise (false: it is rejected unless the focal point asks for the list)",
    )


class DelegationUpdate(BaseModel):
    """Changes to a delegation's names and head; only the fields sent change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "head_name": "Dana Serikova",
                    "head_title": "Deputy Minister of Foreign Affairs",
                    "head_rank": "deputy_minister",
                }
            ]
        },
    )

    name: Line | None = Field(
        None, min_length=1, max_length=200, description="A new default name; cannot be null"
    )
    names: DelegationNames | None = Field(
        None, description="Names merged per language; a language set to null is removed"
    )
    head_name: Line | None = Field(
        None, max_length=200, description="The head of delegation's full name; null clears it"
    )
    head_title: Line | None = Field(
        None, max_length=200, description="The head's office; null clears it"
    )
    head_rank: HeadRank | None = Field(None, description="The head's protocol rank; null clears it")

    @model_validator(mode="after")
    def _something_to_change(self) -> DelegationUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one of name, names, head_name, head_title, head_rank")
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null; send the delegation's name")
        return self


class QuotasUpdate(BaseModel):
    """Changes to a delegation's quotas; a quota set to null is lifted (no limit)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "quota": 45,
                    "category_quotas": {"adviser": 14},
                    "session_seats": {"restricted": 5},
                }
            ]
        },
    )

    quota: Limit | None = Field(
        None,
        description="A new total quota, at least the seats already taken; omit to keep it",
    )
    category_quotas: dict[Category, Limit | None] = Field(
        default_factory=dict,
        description="New quotas of the categories named; null lifts a category's own limit",
        examples=[{"adviser": 4, "media": None}],
    )
    session_seats: dict[SessionFormat, Limit | None] = Field(
        default_factory=dict,
        description="New seats per session format for the formats named; null lifts the limit",
        examples=[{"restricted": 4}],
    )

    @model_validator(mode="after")
    def _something_to_change(self) -> QuotasUpdate:
        if self.quota is None and not self.category_quotas and not self.session_seats:
            raise ValueError("send at least one of quota, category_quotas, session_seats")
        return self


class WithdrawalCreate(BaseModel):
    """A delegation's withdrawal from the meeting."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"reason": "the head of delegation cannot travel"}]},
    )

    reason: Text = Field(
        min_length=1,
        max_length=500,
        description="Why the delegation withdraws, kept on record and shown to organisers",
        examples=["the head of delegation cannot travel"],
    )


class FocalPointCreate(BaseModel):
    """A person to make a focal point of a delegation."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"email": "focal.point@mfa.example.kz", "name": "Aliya Seitkali", "language": "ru"}
            ]
        },
    )

    email: EmailStr = Field(description="The person's e-mail address, where they are written to")
    name: Line = Field(
        min_length=1,
        max_length=200,
        description="The person's full name",
        examples=["Aliya Seitkali"],
    )
    language: Language = Field(
        "en", description="The language this person is written to in: en, ru or zh"
    )


class MovementCreate(BaseModel):
    """An arrival or departure; a time without an offset is the venue's wall-clock time."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "direction": "arrival",
                    "mode": "flight",
                    "carrier": "Air Astana",
                    "number": "KC 871",
                    "place": "SVO",
                    "scheduled_at": "2026-07-01T14:35:00",
                    "persons": 18,
                }
            ]
        },
    )

    direction: Direction = Field(description="arrival (to the meeting) or departure (from it)")
    mode: TravelMode = Field(description="How they travel: flight, train or road")
    carrier: Line | None = Field(
        None, max_length=100, description="The airline or railway", examples=["Aeroflot"]
    )
    number: Line | None = Field(
        None,
        min_length=1,
        max_length=20,
        description="The flight or train number",
        examples=["SU 1234"],
    )
    place: Line = Field(
        min_length=1,
        max_length=200,
        description="Where they arrive or leave from: an airport (IATA code) or station",
        examples=["SVO"],
    )
    scheduled_at: Moment = Field(
        description="When, by the timetable; without an offset, wall-clock time at the venue",
        examples=["2026-07-01T14:35:00"],
    )
    persons: int = Field(ge=1, le=10_000, description="How many people travel together")


class AccommodationPut(BaseModel):
    """A delegation's hotel and room block."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "hotel": "Radisson Collection Moscow",
                    "rooms": 22,
                    "check_in": "2026-07-01",
                    "check_out": "2026-07-05",
                }
            ]
        },
    )

    hotel: Line = Field(
        min_length=1,
        max_length=200,
        description="The hotel the delegation stays at",
        examples=["Radisson Collection Moscow"],
    )
    rooms: int = Field(ge=1, le=10_000, description="Rooms booked for the delegation")
    check_in: Day = Field(description="The day of arrival at the hotel")
    check_out: Day = Field(description="The day of departure from the hotel")


class LiaisonPut(BaseModel):
    """The organiser's liaison officer for a delegation."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Irina Volkova",
                    "phone": "+7 495 555 0142",
                    "email": "liaison.kaz@summit.example.org",
                }
            ]
        },
    )

    name: Line = Field(min_length=1, max_length=200, description="The officer's full name")
    phone: Phone = Field(description="The officer's phone, international format")
    email: EmailStr = Field(description="The officer's e-mail address")


class WaitingListSettings(BaseModel):
    """Whether nominations over quota wait on the list when their focal point does not say."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"by_default": True}]}
    )

    by_default: bool = Field(
        description="true: a nomination over quota waits on the list unless its focal point "
        "says otherwise; false: it is rejected unless the focal point asks for the list"
    )
