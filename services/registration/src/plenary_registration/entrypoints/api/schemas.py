"""Request and response models of the registration API."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from plenary_registration.domain.model import Category, State, Verdict


class ApplicationCreate(BaseModel):
    """A focal point's nomination of one participant."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    delegation_id: UUID | None = Field(
        None, description="the nominating delegation; a focal point's own is taken from its token"
    )
    given_name: str = Field(min_length=1, max_length=200)
    family_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    category: Category
    nationality: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3, e.g. KAZ")
    passport_number: str = Field(
        min_length=5,
        max_length=20,
        pattern=r"^[A-Z0-9]+$",
        description="letters and digits only; stored encrypted, never shown in full",
    )
    date_of_birth: date

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        today = date.today()
        if value >= today:
            raise ValueError("the date of birth must be in the past")
        oldest = date(
            today.year - 120, today.month, 28 if (today.month, today.day) == (2, 29) else today.day
        )
        if value < oldest:
            raise ValueError("the date of birth is more than 120 years ago; check the year")
        return value


class ApplicationRead(BaseModel):
    """An application as the organiser and its focal point see it."""

    id: UUID
    meeting_id: UUID
    delegation_id: UUID
    given_name: str
    family_name: str
    email: str
    category: Category
    nationality: str
    passport_number_masked: str
    state: State
    reason: str | None
    created_at: datetime
    updated_at: datetime


class DecisionCreate(BaseModel):
    """The accreditation desk's decision on a nominated application."""

    model_config = ConfigDict(extra="forbid")

    decision: Verdict
    reason: str | None = Field(None, max_length=1000, description="required when refusing")


class HistoryRead(BaseModel):
    """One step of an application's audit trail."""

    from_state: State | None
    to_state: State
    actor: str
    reason: str | None
    at: datetime
