"""The commands registration's use cases take: what a caller asks for, validated, free of I/O.

The API takes these as request bodies (their names and fields are the OpenAPI schemas), and a
CSV import line is read as an `ApplicationCreate`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from plenary_registration.domain.badges import Zone
from plenary_registration.domain.model import Verdict, VettingOutcome
from plenary_shared.inputs import Line, Text
from plenary_shared.vocabulary import Category

Language = Literal["en", "ru", "zh"]


def plausible_birth_date(value: date) -> date:
    """A date of birth in the past and within 120 years."""
    today = date.today()
    if value >= today:
        raise ValueError("the date of birth must be in the past")
    oldest = date(
        today.year - 120, today.month, 28 if (today.month, today.day) == (2, 29) else today.day
    )
    if value < oldest:
        raise ValueError("the date of birth is more than 120 years ago; check the year")
    return value


class _Details(BaseModel):
    """Details a participant may have besides the required ones; all optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_name_native: Line | None = Field(None, max_length=200, description="e.g. Айгерим")
    family_name_native: Line | None = Field(None, max_length=200)
    position: Line | None = Field(None, max_length=200, description="title or position")
    phone: str | None = Field(
        None, pattern=r"^\+[0-9 ]{6,20}$", description="international, e.g. +7 701 1234567"
    )
    passport_expiry: date | None = None
    dietary: Text | None = Field(None, max_length=500)
    accessibility: Text | None = Field(None, max_length=500)
    language: Language = Field("en", description="the language this person is written to in")

    @field_validator("passport_expiry")
    @classmethod
    def _not_expired(cls, value: date | None) -> date | None:
        if value is not None and value <= date.today():
            raise ValueError("the passport has expired; a valid passport is needed to accredit")
        return value


class ApplicationCreate(_Details):
    """A focal point's nomination of one participant."""

    delegation_id: UUID | None = Field(
        None, description="the nominating delegation; a focal point's own is taken from its token"
    )
    given_name: Line = Field(min_length=1, max_length=200)
    family_name: Line = Field(min_length=1, max_length=200)
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
    waitlist: bool | None = Field(
        None,
        description="if the delegation's quota is full: wait on its waiting list for a seat "
        "(true) or be rejected (false); left out, the delegation's default decides",
    )

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        return plausible_birth_date(value)


class ApplicationUpdate(_Details):
    """Corrections before the accreditation decision; only the fields sent change."""

    given_name: Line | None = Field(None, min_length=1, max_length=200)
    family_name: Line | None = Field(None, min_length=1, max_length=200)
    email: EmailStr | None = None
    nationality: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    passport_number: str | None = Field(None, min_length=5, max_length=20, pattern=r"^[A-Z0-9]+$")
    date_of_birth: date | None = None
    category: Category | None = Field(
        None, description="a new category sends the nomination back to its delegation's quota check"
    )
    language: Language | None = None  # type: ignore[assignment]

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth_date(cls, value: date | None) -> date | None:
        return None if value is None else plausible_birth_date(value)


class ReasonCreate(BaseModel):
    """Why: for a withdrawal or a revocation."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=3, max_length=1000)


class VettingCreate(BaseModel):
    """The host security service's answer on a nominee."""

    model_config = ConfigDict(extra="forbid")

    outcome: VettingOutcome
    note: Text | None = Field(None, max_length=1000, description="required when flagging")


class DecisionCreate(BaseModel):
    """The accreditation desk's decision on a nominated application."""

    model_config = ConfigDict(extra="forbid")

    decision: Verdict
    reason: Text | None = Field(None, max_length=1000, description="required when refusing")


class InvitationCreate(BaseModel):
    """Whom to invite, and as what."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    role: Literal["focal_point", "participant", "organiser", "accreditation_desk"]
    delegation_id: UUID | None = None
    application_id: UUID | None = None
    language: Literal["en", "ru", "zh"] = "en"


class PasswordSet(BaseModel):
    """A link secret and the new password."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=200)
    password: str = Field(min_length=1, max_length=200)


class CodeGiven(BaseModel):
    """A link secret and the code e-mailed to the invited address."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=200)
    code: str = Field(min_length=6, max_length=12, description="the six digits from the e-mail")


class ResetRequest(BaseModel):
    """The e-mail address of the account whose password was forgotten."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class SignIn(BaseModel):
    """E-mail and password."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=1, max_length=200)


class CheckinCreate(BaseModel):
    """One scan of a badge at a checkpoint."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=2000, description="the scanned QR code text")
    zone: Zone
    checkpoint: Line = Field(min_length=1, max_length=100, examples=["Gate A"])
