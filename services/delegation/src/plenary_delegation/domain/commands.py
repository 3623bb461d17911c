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
    str, Field(pattern=r"^\+[0-9 ]{6,20}$", description="international, e.g. +7 495 1234567")
]


class DelegationNames(BaseModel):
    """The delegation's name per language, for protocol order; `name` stays the default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    en: Line | None = Field(None, min_length=1, max_length=200, examples=["Republic of Kazakhstan"])
    ru: Line | None = Field(None, min_length=1, max_length=200, examples=["Республика Казахстан"])


class DelegationCreate(BaseModel):
    """A delegation to register for a meeting."""

    model_config = ConfigDict(extra="forbid")

    id: UUID | None = Field(None, description="optional client-chosen id, for safe retries")
    name: Line = Field(min_length=1, max_length=200, examples=["Republic of Kazakhstan"])
    names: DelegationNames | None = None
    country_code: str | None = Field(
        None, pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code, for states"
    )
    kind: DelegationKind
    head_name: Line | None = Field(None, max_length=200)
    head_title: Line | None = Field(None, max_length=200)
    head_rank: HeadRank | None = None
    quota: int = Field(ge=0, le=100_000, description="how many participants it may accredit")
    category_quotas: dict[Category, Limit] = Field(
        default_factory=dict,
        description="quota per participant category; a category left out has no own limit",
        examples=[{"delegate": 10, "adviser": 3}],
    )
    session_seats: dict[SessionFormat, Limit] = Field(
        default_factory=dict,
        description="seats per session format",
        examples=[{"restricted": 4, "extended": 7}],
    )
    waitlist_by_default: bool = Field(
        False,
        description="over quota, a nomination waits on the delegation's list unless its focal "
        "point says otherwise (false: it is rejected unless the focal point asks for the list)",
    )


class DelegationUpdate(BaseModel):
    """Changes to a delegation's names and head; only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    name: Line | None = Field(None, min_length=1, max_length=200)
    names: DelegationNames | None = Field(
        None, description="merged per language; a language set to null is removed"
    )
    head_name: Line | None = Field(None, max_length=200)
    head_title: Line | None = Field(None, max_length=200)
    head_rank: HeadRank | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> DelegationUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one of name, names, head_name, head_title, head_rank")
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null; send the delegation's name")
        return self


class QuotasUpdate(BaseModel):
    """Changes to a delegation's quotas; a quota set to null is lifted (no limit)."""

    model_config = ConfigDict(extra="forbid")

    quota: Limit | None = Field(None, description="the total quota")
    category_quotas: dict[Category, Limit | None] = Field(
        default_factory=dict, examples=[{"adviser": 4, "media": None}]
    )
    session_seats: dict[SessionFormat, Limit | None] = Field(
        default_factory=dict, examples=[{"restricted": 4}]
    )

    @model_validator(mode="after")
    def _something_to_change(self) -> QuotasUpdate:
        if self.quota is None and not self.category_quotas and not self.session_seats:
            raise ValueError("send at least one of quota, category_quotas, session_seats")
        return self


class WithdrawalCreate(BaseModel):
    """A delegation's withdrawal from the meeting."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: Text = Field(
        min_length=1, max_length=500, examples=["the head of delegation cannot travel"]
    )


class FocalPointCreate(BaseModel):
    """A person to make a focal point of a delegation."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr
    name: Line = Field(min_length=1, max_length=200, examples=["Aliya Seitkali"])
    language: Language = Field("en", description="the language this person is written to in")


class MovementCreate(BaseModel):
    """An arrival or departure; a time without an offset is the venue's wall-clock time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    direction: Direction
    mode: TravelMode
    carrier: Line | None = Field(None, max_length=100, examples=["Aeroflot"])
    number: Line | None = Field(
        None,
        min_length=1,
        max_length=20,
        description="flight or train number",
        examples=["SU 1234"],
    )
    place: Line = Field(
        min_length=1, max_length=200, description="airport or station", examples=["SVO"]
    )
    scheduled_at: Moment = Field(examples=["2025-11-16T14:35:00"])
    persons: int = Field(ge=1, le=10_000, description="how many people travel")


class AccommodationPut(BaseModel):
    """A delegation's hotel and room block."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    hotel: Line = Field(min_length=1, max_length=200, examples=["Radisson Collection Moscow"])
    rooms: int = Field(ge=1, le=10_000)
    check_in: Day
    check_out: Day


class LiaisonPut(BaseModel):
    """The organiser's liaison officer for a delegation."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Line = Field(min_length=1, max_length=200)
    phone: Phone
    email: EmailStr


class WaitingListSettings(BaseModel):
    """Whether nominations over quota wait on the list when their focal point does not say."""

    model_config = ConfigDict(extra="forbid")

    by_default: bool
