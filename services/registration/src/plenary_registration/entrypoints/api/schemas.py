"""Response models of the registration API (the request bodies are `domain.commands`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from plenary_registration.domain.badges import Reason
from plenary_registration.domain.model import State, Vetting
from plenary_shared.vocabulary import Category


class ApplicationRead(BaseModel):
    """An application as the organiser and its focal point see it."""

    id: UUID
    meeting_id: UUID
    delegation_id: UUID
    given_name: str
    family_name: str
    given_name_native: str | None
    family_name_native: str | None
    position: str | None
    email: str
    phone: str | None
    category: Category
    nationality: str
    passport_number_masked: str
    dietary: str | None
    accessibility: str | None
    language: str
    has_photo: bool
    state: State
    vetting: Vetting
    reason: str | None
    created_at: datetime
    updated_at: datetime


class DocumentsRead(BaseModel):
    """Personal document data, for the accreditation desk only."""

    passport_number: str
    passport_expiry: date | None
    date_of_birth: date


class HistoryRead(BaseModel):
    """One step of an application's audit trail."""

    from_state: State | None
    to_state: State
    actor: str
    reason: str | None
    at: datetime


class Link(BaseModel):
    """A one-time link (it is also e-mailed to its owner by the notification service)."""

    id: UUID
    url: str


class CodeSent(BaseModel):
    """The password is kept; a code is on its way to the invited address."""

    detail: str
    email_hint: str = Field(description="the invited address, partly hidden")


class Accepted(BaseModel):
    """A request taken on; what happens next is said in `detail`."""

    detail: str


class Session(BaseModel):
    """A bearer token for the APIs (OAuth 2 token response shape)."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_in: int


class Me(BaseModel):
    """Who the token says the caller is."""

    subject: str
    role: str
    delegation_id: UUID | None


class InvitationRead(BaseModel):
    """An invitation and its audit trail (never its link)."""

    id: UUID
    email: str
    role: str
    delegation_id: UUID | None
    application_id: UUID | None
    language: str
    status: Literal["pending", "accepted", "expired", "revoked"]
    expires_at: datetime
    created_by: str = Field(description="who invited")
    created_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None


class AccountRead(BaseModel):
    """A portal account (never its password hash)."""

    id: UUID
    email: str
    role: str
    delegation_id: UUID | None
    application_id: UUID | None
    created_at: datetime
    password_changed_at: datetime


class BadgeRead(BaseModel):
    """A participant's badge and the token its QR code carries."""

    id: UUID
    application_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    badge_number: str
    category: str
    colour: str
    zones: list[str]
    status: str = Field(
        description="active, or void once re-issued or once its holder's accreditation was "
        "revoked or withdrawn"
    )
    replaces: UUID | None
    issued_at: datetime
    voided_at: datetime | None
    void_reason: str | None = Field(
        None, description="why a void badge is void: replaced, revoked or withdrawn"
    )
    qr_token: str = Field(
        description="the signed token printed as the QR code; scanners send it to "
        "POST /v1/checkins as `code` and can verify it offline with GET /v1/badges/public-key"
    )


class CheckinRead(BaseModel):
    """Whether the holder may pass, and who it is when the badge is known."""

    checkin_id: UUID
    allowed: bool
    reason: Reason
    repeat: bool = Field(
        description="true when this scan repeats one at the same zone and checkpoint within "
        "60 seconds: the first answer is returned and nothing is published again"
    )
    zone: str
    checkpoint: str
    scanned_at: datetime
    badge_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    delegation: str | None = None
    category: str | None = None
    colour: str | None = None


class ImportRead(BaseModel):
    """Where an import stands."""

    id: UUID
    meeting_id: UUID
    delegation_id: UUID
    status: str
    total: int
    processed: int
    nominated: int
    failed: int
    percent: int
    created_at: datetime
    finished_at: datetime | None


class ImportErrorRead(BaseModel):
    """A line that could not be nominated, and why."""

    line: int
    reason: str
