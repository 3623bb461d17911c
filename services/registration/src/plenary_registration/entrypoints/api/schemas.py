"""Response models of the registration API (the request bodies are `domain.commands`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonValue

from plenary_registration.domain import examples as ex
from plenary_registration.domain.badges import Reason
from plenary_registration.domain.model import State, Vetting
from plenary_shared.vocabulary import Category

ACTOR = (
    "the subject of the caller's token (a portal account's e-mail address), or "
    "system:<service> for a step the platform took by itself"
)


class ApplicationRead(BaseModel):
    """An application as the organiser and its focal point see it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.APPLICATION_ID,
                    "meeting_id": ex.MEETING_ID,
                    "delegation_id": ex.DELEGATION_ID,
                    "given_name": "Aigerim",
                    "family_name": "Nurlanova",
                    "given_name_native": "Айгерим",
                    "family_name_native": "Нурланова",
                    "position": "Counsellor, Ministry of Foreign Affairs",
                    "email": ex.EMAIL,
                    "phone": "+7 701 0000000",
                    "category": "delegate",
                    "nationality": "KAZ",
                    "passport_number_masked": "•••••••00",
                    "dietary": "halal",
                    "accessibility": "step-free access to the plenary hall",
                    "language": "ru",
                    "has_photo": True,
                    "state": "nominated",
                    "vetting": "pending",
                    "reason": "promoted from the waiting list",
                    "created_at": "2027-05-12T07:30:00Z",
                    "updated_at": "2027-05-19T11:02:45Z",
                }
            ]
        }
    )

    id: UUID = Field(description="The application's id; it is also the participant's id in events.")
    meeting_id: UUID = Field(description="The meeting the participant is nominated for.")
    delegation_id: UUID = Field(description="The nominating delegation.")
    given_name: str = Field(description="Given name in Latin letters, as in the passport.")
    family_name: str = Field(description="Family name in Latin letters, as in the passport.")
    given_name_native: str | None = Field(description="Given name in the participant's own script.")
    family_name_native: str | None = Field(
        description="Family name in the participant's own script."
    )
    position: str | None = Field(description="Title or position in the delegation.")
    email: str = Field(description="The participant's e-mail address.")
    phone: str | None = Field(description="Phone number in international format.")
    category: Category = Field(
        description="The participant category: the quota it counts against, and the badge's "
        "colour and zones."
    )
    nationality: str = Field(description="Nationality, ISO 3166-1 alpha-3, e.g. KAZ.")
    passport_number_masked: str = Field(
        description="The passport number with all but its last two characters hidden; `purged` "
        "once the document data was erased after the meeting."
    )
    dietary: str | None = Field(description="Dietary needs for catering.")
    accessibility: str | None = Field(description="Access needs at the venue.")
    language: str = Field(description="The language of the participant's e-mails: en, ru or zh.")
    has_photo: bool = Field(
        description="Whether a badge photo was uploaded (PUT /v1/applications/{id}/photo)."
    )
    state: State = Field(
        description="Where the application stands: submitted, then nominated (within the "
        "delegation's quota), waitlisted or rejected; then accredited or refused by the desk; "
        "withdrawn or revoked end it."
    )
    vetting: Vetting = Field(
        description="The host's security vetting: not_required, or pending until the security "
        "service clears or flags the nominee; granting waits for cleared."
    )
    reason: str | None = Field(
        description="Why the application last changed state, where there is a reason: its "
        "waiting list position, a promotion from it, or why it was rejected, refused, "
        "withdrawn or revoked."
    )
    created_at: datetime = Field(description="When the application was submitted (UTC).")
    updated_at: datetime = Field(description="When the application last changed (UTC).")


class DocumentsRead(BaseModel):
    """Personal document data, for the accreditation desk only."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "passport_number": ex.PASSPORT_NUMBER,
                    "passport_expiry": "2036-08-31",
                    "date_of_birth": "1984-03-17",
                }
            ]
        }
    )

    passport_number: str = Field(description="The passport number in full.")
    passport_expiry: date | None = Field(
        description="The passport's expiry date (YYYY-MM-DD), if it was given."
    )
    date_of_birth: date = Field(description="Date of birth (YYYY-MM-DD).")


# an application's audit trail as GET /v1/applications/{id}/history answers it
HISTORY: list[JsonValue] = [
    {
        "from_state": None,
        "to_state": "submitted",
        "actor": "focal.point@example.org",
        "reason": None,
        "at": "2027-05-12T07:30:00Z",
    },
    {
        "from_state": "submitted",
        "to_state": "waitlisted",
        "actor": "system:delegation",
        "reason": "waiting list position 2",
        "at": "2027-05-12T07:30:04Z",
    },
    {
        "from_state": "waitlisted",
        "to_state": "nominated",
        "actor": "system:delegation",
        "reason": "promoted from the waiting list",
        "at": "2027-05-19T11:02:45Z",
    },
]


class HistoryRead(BaseModel):
    """One step of an application's audit trail."""

    model_config = ConfigDict(json_schema_extra={"examples": HISTORY[-1:]})

    from_state: State | None = Field(
        description="The state before this step; null for the submission itself."
    )
    to_state: State = Field(
        description="The state after this step; the same as from_state for a vetting outcome."
    )
    actor: str = Field(description=f"Who took the step: {ACTOR}.")
    reason: str | None = Field(description="Why, where the step has a reason.")
    at: datetime = Field(description="When the step was taken (UTC).")


class Link(BaseModel):
    """A one-time link (it is also e-mailed to its owner by the notification service)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.INVITATION_ID,
                    "url": f"https://portal.example.org/accept-invitation#token={ex.LINK_SECRET}",
                }
            ]
        }
    )

    id: UUID = Field(description="The invitation's id, or the account's for a password reset link.")
    url: str = Field(
        description="The portal page to open, with the one-time secret after #token=; it is "
        "shown only in this answer, so pass it on securely or rely on the e-mail."
    )


class CodeSent(BaseModel):
    """The password is kept; a code is on its way to the invited address."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "We e-mailed a six-digit code to a***@example.org; enter it to "
                    "finish. It works for 15 minutes, so that only the invited person can "
                    "accept, even if the link was passed on.",
                    "email_hint": "a***@example.org",
                }
            ]
        }
    )

    detail: str = Field(description="What to do next, in a sentence to show the person.")
    email_hint: str = Field(
        description="The invited address with all but its first letter hidden, e.g. "
        "a***@example.org."
    )


class Accepted(BaseModel):
    """A request taken on; what happens next is said in `detail`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "If this address has a portal account, a reset link is on its way "
                    "to it; it works once, for 2 hours."
                }
            ]
        }
    )

    detail: str = Field(description="What happens next, in a sentence to show the person.")


class Session(BaseModel):
    """A bearer token for the APIs (OAuth 2 token response shape)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.fake-payload.fake-signature",
                    "token_type": "bearer",
                    "expires_in": 43200,
                }
            ]
        }
    )

    access_token: str = Field(
        description="The token to send as `Authorization: Bearer <token>` to every service."
    )
    token_type: str = Field("bearer", description="Always bearer.")
    expires_in: int = Field(description="Seconds until the token expires; then sign in again.")


class Me(BaseModel):
    """Who the token says the caller is."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": "focal.point@example.org",
                    "role": "focal_point",
                    "delegation_id": ex.DELEGATION_ID,
                }
            ]
        }
    )

    subject: str = Field(
        description="The token's subject: a portal account's e-mail address, or for a "
        "participant the id of its own application."
    )
    role: str = Field(
        description="The caller's role: organiser, accreditation_desk, focal_point, participant, "
        "or a service role."
    )
    delegation_id: UUID | None = Field(
        description="The delegation a focal point acts for; null for other roles."
    )


class InvitationRead(BaseModel):
    """An invitation and its audit trail (never its link)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.INVITATION_ID,
                    "email": "focal.point@example.org",
                    "role": "focal_point",
                    "delegation_id": ex.DELEGATION_ID,
                    "application_id": None,
                    "language": "ru",
                    "status": "pending",
                    "expires_at": "2027-05-24T06:00:00Z",
                    "created_by": "secretariat@example.org",
                    "created_at": "2027-05-10T06:00:00Z",
                    "accepted_at": None,
                    "revoked_at": None,
                    "revoked_by": None,
                }
            ]
        }
    )

    id: UUID = Field(description="The invitation's id.")
    email: str = Field(description="The invited address.")
    role: str = Field(description="The role the account will have.")
    delegation_id: UUID | None = Field(description="The delegation of a focal point invitation.")
    application_id: UUID | None = Field(
        description="The participant's application, for a participant invitation."
    )
    language: str = Field(description="The language of the invitation e-mail: en, ru or zh.")
    status: Literal["pending", "accepted", "expired", "revoked"] = Field(
        description="pending until accepted, revoked or past expires_at."
    )
    expires_at: datetime = Field(
        description="When the current link stops working (UTC); a new link starts the period again."
    )
    created_by: str = Field(description=f"Who invited: {ACTOR}.")
    created_at: datetime = Field(description="When the invitation was issued (UTC).")
    accepted_at: datetime | None = Field(description="When the account was made (UTC).")
    revoked_at: datetime | None = Field(description="When the invitation was revoked (UTC).")
    revoked_by: str | None = Field(description=f"Who revoked it: {ACTOR}.")


class AccountRead(BaseModel):
    """A portal account (never its password hash)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.ACCOUNT_ID,
                    "email": "focal.point@example.org",
                    "role": "focal_point",
                    "delegation_id": ex.DELEGATION_ID,
                    "application_id": None,
                    "created_at": "2027-05-10T09:12:00Z",
                    "password_changed_at": "2027-05-10T09:12:00Z",
                }
            ]
        }
    )

    id: UUID = Field(
        description="The account's id, as POST /v1/accounts/{account_id}/password-reset-link takes it."
    )
    email: str = Field(description="The address the account signs in with.")
    role: str = Field(description="The account's portal role.")
    delegation_id: UUID | None = Field(description="The delegation a focal point acts for.")
    application_id: UUID | None = Field(description="A participant's own application.")
    created_at: datetime = Field(description="When the account was made (UTC).")
    password_changed_at: datetime = Field(description="When the password was last set (UTC).")


class BadgeRead(BaseModel):
    """A participant's badge and the token its QR code carries."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.BADGE_ID,
                    "application_id": ex.APPLICATION_ID,
                    "meeting_id": ex.MEETING_ID,
                    "delegation_id": ex.DELEGATION_ID,
                    "badge_number": "PL-0001-0042",
                    "category": "delegate",
                    "colour": "red",
                    "zones": ["plenary", "restricted", "press"],
                    "status": "active",
                    "replaces": "eb347aa5-07d8-4ce7-b474-1c4fdd3aa1e6",
                    "issued_at": "2027-05-20T08:00:00Z",
                    "voided_at": None,
                    "void_reason": None,
                    "qr_token": ex.BADGE_QR,
                }
            ]
        }
    )

    id: UUID = Field(description="The badge's id.")
    application_id: UUID = Field(description="The accredited application the badge belongs to.")
    meeting_id: UUID = Field(description="The meeting the badge is for.")
    delegation_id: UUID = Field(description="The holder's delegation.")
    badge_number: str = Field(
        description="The printed number: prefix, the meeting's code and a sequence, e.g. "
        "PL-0001-0042."
    )
    category: str = Field(description="The holder's participant category.")
    colour: str = Field(
        description="The badge colour of the category: red (delegate), blue (adviser), black "
        "(security), green (media), grey (support)."
    )
    zones: list[str] = Field(
        description="The zones the badge opens: plenary, restricted, press, operations."
    )
    status: str = Field(
        description="active, or void once re-issued or once its holder's accreditation was "
        "revoked or withdrawn."
    )
    replaces: UUID | None = Field(description="The lost badge this re-issued one replaces.")
    issued_at: datetime = Field(description="When the badge was issued (UTC).")
    voided_at: datetime | None = Field(description="When the badge became void (UTC).")
    void_reason: str | None = Field(
        None, description="Why a void badge is void: replaced, revoked or withdrawn."
    )
    qr_token: str = Field(
        description="The signed token printed as the QR code; scanners send it to "
        "POST /v1/checkins as `code` and can verify it offline with GET /v1/badges/public-key."
    )


class CheckinRead(BaseModel):
    """Whether the holder may pass, and who it is when the badge is known."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "checkin_id": ex.CHECKIN_ID,
                    "allowed": True,
                    "reason": "admitted",
                    "repeat": False,
                    "zone": "plenary",
                    "checkpoint": "Gate A",
                    "scanned_at": "2027-06-15T06:41:09Z",
                    "badge_number": "PL-0001-0042",
                    "given_name": "Aigerim",
                    "family_name": "Nurlanova",
                    "delegation": "Republic of Kazakhstan",
                    "category": "delegate",
                    "colour": "red",
                }
            ]
        }
    )

    checkin_id: UUID = Field(description="The id of this scan's record.")
    allowed: bool = Field(description="Whether the holder may pass into the zone.")
    reason: Reason = Field(
        description="Why: admitted, or the reason to deny (forged, unknown, revoked, withdrawn, "
        "void, wrong_zone, not_accredited)."
    )
    repeat: bool = Field(
        description="True when this scan repeats one at the same zone and checkpoint within "
        "60 seconds: the first answer is returned and nothing is published again."
    )
    zone: str = Field(description="The zone scanned for.")
    checkpoint: str = Field(description="The checkpoint that scanned.")
    scanned_at: datetime = Field(description="When the scan was recorded (UTC).")
    badge_number: str | None = Field(
        None, description="The badge's number; null when the code is not a known badge."
    )
    given_name: str | None = Field(
        None, description="The holder's given name, for staff to compare with the photo."
    )
    family_name: str | None = Field(None, description="The holder's family name.")
    delegation: str | None = Field(None, description="The name of the holder's delegation.")
    category: str | None = Field(None, description="The holder's participant category.")
    colour: str | None = Field(None, description="The badge colour staff should see.")


class ImportRead(BaseModel):
    """Where an import stands."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.IMPORT_ID,
                    "meeting_id": ex.MEETING_ID,
                    "delegation_id": ex.DELEGATION_ID,
                    "status": "done",
                    "total": 40,
                    "processed": 40,
                    "nominated": 39,
                    "failed": 1,
                    "percent": 100,
                    "created_at": "2027-05-12T07:00:00Z",
                    "finished_at": "2027-05-12T07:00:09Z",
                }
            ]
        }
    )

    id: UUID = Field(description="The import's id.")
    meeting_id: UUID = Field(description="The meeting nominated for.")
    delegation_id: UUID = Field(description="The delegation whose people the file names.")
    status: str = Field(description="queued, running, or done once every line was worked through.")
    total: int = Field(description="Data lines in the file (the header not counted).")
    processed: int = Field(description="Lines worked through so far.")
    nominated: int = Field(description="Lines that became applications.")
    failed: int = Field(
        description="Lines that did not; GET /v1/imports/{id}/errors says why for each."
    )
    percent: int = Field(description="processed as a whole percentage of total, 0 to 100.")
    created_at: datetime = Field(description="When the file was uploaded (UTC).")
    finished_at: datetime | None = Field(description="When the import was done (UTC).")


class ImportErrorRead(BaseModel):
    """A line that could not be nominated, and why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"line": 7, "reason": "nationality: String should match pattern '^[A-Z]{3}$'"}
            ]
        }
    )

    line: int = Field(description="The line's number in the file; the header is line 1.")
    reason: str = Field(description="Why the line was not nominated (its values are not echoed).")
