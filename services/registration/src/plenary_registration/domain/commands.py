"""The commands registration's use cases take: what a caller asks for, validated, free of I/O.

The API takes these as request bodies (their names and fields are the OpenAPI schemas), and a
CSV import line is read as an `ApplicationCreate`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from plenary_registration.domain import examples
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

    given_name_native: Line | None = Field(
        None,
        max_length=200,
        description="Given name in the participant's own script (Cyrillic, Chinese, ...) where it "
        "differs from the Latin spelling, e.g. Айгерим.",
    )
    family_name_native: Line | None = Field(
        None,
        max_length=200,
        description="Family name in the participant's own script, e.g. Нурланова.",
    )
    position: Line | None = Field(
        None,
        max_length=200,
        description="Title or position in the delegation, e.g. Deputy Minister of Foreign Affairs.",
    )
    phone: str | None = Field(
        None,
        pattern=r"^\+[0-9 ]{6,20}$",
        description="Phone number in international format: a plus sign, the country code and "
        "the number, spaces allowed, e.g. +7 701 1234567.",
    )
    passport_expiry: date | None = Field(
        None,
        description="The passport's expiry date (ISO 8601, YYYY-MM-DD); it must be after today. "
        "Stored encrypted and erased by the document purge after the meeting.",
    )
    dietary: Text | None = Field(
        None,
        max_length=500,
        description="Dietary needs the caterers should know of, e.g. halal, vegetarian, "
        "nut allergy.",
    )
    accessibility: Text | None = Field(
        None,
        max_length=500,
        description="Access needs at the venue, e.g. step-free access, a seat near the exit.",
    )
    language: Language = Field(
        "en",
        description="The language the participant's e-mails are written in: en (English), "
        "ru (Russian) or zh (Chinese).",
    )

    @field_validator("passport_expiry")
    @classmethod
    def _not_expired(cls, value: date | None) -> date | None:
        if value is not None and value <= date.today():
            raise ValueError("the passport has expired; a valid passport is needed to accredit")
        return value


class ApplicationCreate(_Details):
    """A focal point's nomination of one participant."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "delegation_id": examples.DELEGATION_ID,
                    "given_name": "Aigerim",
                    "family_name": "Nurlanova",
                    "given_name_native": "Айгерим",
                    "family_name_native": "Нурланова",
                    "position": "Counsellor, Ministry of Foreign Affairs",
                    "email": examples.EMAIL,
                    "phone": "+7 701 0000000",
                    "category": "delegate",
                    "nationality": "KAZ",
                    "passport_number": examples.PASSPORT_NUMBER,
                    "passport_expiry": "2036-08-31",
                    "date_of_birth": "1984-03-17",
                    "dietary": "halal",
                    "language": "ru",
                }
            ]
        }
    )

    delegation_id: UUID | None = Field(
        None,
        description="The nominating delegation. Organiser staff must give it; for a focal point "
        "it is its own delegation, taken from its token.",
    )
    given_name: Line = Field(
        min_length=1,
        max_length=200,
        description="Given name in Latin letters, spelt as in the passport.",
    )
    family_name: Line = Field(
        min_length=1,
        max_length=200,
        description="Family name in Latin letters, spelt as in the passport.",
    )
    email: EmailStr = Field(
        description="The participant's own e-mail address: notices about the application and "
        "the portal invitation go there."
    )
    category: Category = Field(
        description="The participant category; it counts against the delegation's quota of that "
        "category and sets the badge's colour and zones."
    )
    nationality: str = Field(
        pattern=r"^[A-Z]{3}$",
        description="Nationality as in the passport, an ISO 3166-1 alpha-3 code, e.g. KAZ.",
    )
    passport_number: str = Field(
        min_length=5,
        max_length=20,
        pattern=r"^[A-Z0-9]+$",
        description="Passport number, capital letters and digits only. Stored encrypted; "
        "answers show only its last two characters.",
    )
    date_of_birth: date = Field(
        description="Date of birth (ISO 8601, YYYY-MM-DD), in the past and within 120 years. "
        "Stored encrypted and erased by the document purge after the meeting."
    )
    waitlist: bool | None = Field(
        None,
        description="If the delegation's quota for the category is full: wait on its waiting "
        "list for a seat (true) or be rejected (false). Left out, the delegation's default "
        "decides.",
    )

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        return plausible_birth_date(value)


class ApplicationUpdate(_Details):
    """Corrections before the accreditation decision; only the fields sent change."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"position": "Minister-Counsellor", "phone": "+7 701 0000001"}]
        }
    )

    given_name: Line | None = Field(
        None, min_length=1, max_length=200, description="Corrected given name in Latin letters."
    )
    family_name: Line | None = Field(
        None, min_length=1, max_length=200, description="Corrected family name in Latin letters."
    )
    email: EmailStr | None = Field(None, description="The participant's new e-mail address.")
    nationality: str | None = Field(
        None, pattern=r"^[A-Z]{3}$", description="Corrected nationality, ISO 3166-1 alpha-3."
    )
    passport_number: str | None = Field(
        None,
        min_length=5,
        max_length=20,
        pattern=r"^[A-Z0-9]+$",
        description="A new passport number, capital letters and digits only; stored encrypted.",
    )
    date_of_birth: date | None = Field(
        None, description="Corrected date of birth (ISO 8601, YYYY-MM-DD)."
    )
    category: Category | None = Field(
        None,
        description="A new category; it sends the nomination back to its delegation's quota "
        "check for that category.",
    )
    language: Language | None = Field(  # type: ignore[assignment]
        None, description="A new e-mail language: en, ru or zh."
    )

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth_date(cls, value: date | None) -> date | None:
        return None if value is None else plausible_birth_date(value)


class ReasonCreate(BaseModel):
    """Why: for a withdrawal or a revocation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "The delegate's travel was cancelled by the ministry."}]
        },
    )

    reason: Text = Field(
        min_length=3,
        max_length=1000,
        description="Why, in a sentence; kept in the application's history and carried by the "
        "withdrawal or revocation event.",
    )


class VettingCreate(BaseModel):
    """The host security service's answer on a nominee."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"outcome": "cleared"}]}
    )

    outcome: VettingOutcome = Field(
        description="cleared lets the desk grant accreditation; flagged leaves only refusal."
    )
    note: Text | None = Field(
        None,
        max_length=1000,
        description="The security service's note; required when flagging, and carried by the "
        "registration.vetting.flagged event.",
    )


class DecisionCreate(BaseModel):
    """The accreditation desk's decision on a nominated application."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"decision": "grant"}]}
    )

    decision: Verdict = Field(
        description="grant accredits the participant (a badge is issued); refuse ends the "
        "application."
    )
    reason: Text | None = Field(
        None,
        max_length=1000,
        description="Why the accreditation is refused; required when refusing, kept in the "
        "application's history and carried by the refusal event.",
    )


class InvitationCreate(BaseModel):
    """Whom to invite, and as what."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "focal.point@example.org",
                    "role": "focal_point",
                    "delegation_id": examples.DELEGATION_ID,
                    "language": "ru",
                }
            ]
        },
    )

    email: EmailStr = Field(
        description="The address the invitation link and, on accepting, the confirmation code "
        "are sent to; the account's sign-in name."
    )
    role: Literal["focal_point", "participant", "organiser", "accreditation_desk"] = Field(
        description="The portal role of the account the invitation makes."
    )
    delegation_id: UUID | None = Field(
        None, description="The delegation a focal point acts for; required for a focal point."
    )
    application_id: UUID | None = Field(
        None,
        description="The participant's own application; required for a participant.",
    )
    language: Literal["en", "ru", "zh"] = Field(
        "en", description="The language of the invitation e-mail: en, ru or zh."
    )


class PasswordSet(BaseModel):
    """A link secret and the new password."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "token": examples.LINK_SECRET,
                    "password": examples.PASSWORD,
                }
            ]
        },
    )

    token: str = Field(
        min_length=20,
        max_length=200,
        description="The secret from the link's fragment (the part after #token=).",
    )
    password: str = Field(
        min_length=1,
        max_length=200,
        description="The new password: at least 12 characters, at least 4 different ones, and "
        "not containing the name part of the account's e-mail address.",
    )


class CodeGiven(BaseModel):
    """A link secret and the code e-mailed to the invited address."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"token": examples.LINK_SECRET, "code": "000000"}]},
    )

    token: str = Field(
        min_length=20,
        max_length=200,
        description="The secret from the invitation link's fragment (the part after #token=).",
    )
    code: str = Field(
        min_length=6,
        max_length=12,
        description="The six-digit code e-mailed to the invited address on accepting.",
    )


class ResetRequest(BaseModel):
    """The e-mail address of the account whose password was forgotten."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"email": examples.EMAIL}]}
    )

    email: EmailStr = Field(
        description="The account's e-mail address; the answer is the same whether or not it "
        "has an account."
    )


class SignIn(BaseModel):
    """E-mail and password."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"email": examples.EMAIL, "password": examples.PASSWORD}]},
    )

    email: EmailStr = Field(description="The account's e-mail address.")
    password: str = Field(min_length=1, max_length=200, description="The account's password.")


class CheckinCreate(BaseModel):
    """One scan of a badge at a checkpoint."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "code": examples.BADGE_QR,
                    "zone": "plenary",
                    "checkpoint": "Gate A",
                }
            ]
        },
    )

    code: str = Field(
        min_length=1,
        max_length=2000,
        description="The text the scanner read from the badge's QR code (the badge's `qr_token`).",
    )
    zone: Zone = Field(description="The zone this checkpoint opens into.")
    checkpoint: Line = Field(
        min_length=1,
        max_length=100,
        examples=["Gate A"],
        description="Which checkpoint scanned, as its staff name it; the same badge scanned "
        "again for the same zone here within 60 seconds gets the first answer again.",
    )
