"""Payloads published by the registration service on `registration.events`.

Never personal document data (passport number, date of birth) in any of these.
"""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from plenary_shared import topics
from plenary_shared.events import EventPayload


class _Participant(EventPayload):
    """Who an application is about: names, contact and category, no document data."""

    application_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    category: str
    given_name: str
    family_name: str
    email: str
    language: str = "en"


class ApplicationSubmitted(_Participant):
    """A focal point nominated a participant."""

    event_type: ClassVar[str] = "registration.application.submitted"
    topic: ClassVar[str] = topics.REGISTRATION

    nationality: str
    waitlist: bool | None = None
    """If the quota is full: wait on the delegation's list (true) or be rejected (false);
    None leaves it to the delegation's default."""


class ApplicationNominated(_Participant):
    """The delegation accepted the nomination under its quota."""

    event_type: ClassVar[str] = "registration.application.nominated"
    topic: ClassVar[str] = topics.REGISTRATION

    promoted: bool = False
    """True when a freed seat went to this nominee from the delegation's waiting list."""


class ApplicationWaitlisted(_Participant):
    """The delegation's quota was full: the nominee waits on its list for a seat."""

    event_type: ClassVar[str] = "registration.application.waitlisted"
    topic: ClassVar[str] = topics.REGISTRATION

    position: int
    """1 for the first in line for the category, when the nominee joined the list."""


class ApplicationRejected(_Participant):
    """The delegation rejected the nomination."""

    event_type: ClassVar[str] = "registration.application.rejected"
    topic: ClassVar[str] = topics.REGISTRATION

    reason: str


class AccreditationGranted(_Participant):
    """The accreditation desk granted accreditation."""

    event_type: ClassVar[str] = "registration.accreditation.granted"
    topic: ClassVar[str] = topics.REGISTRATION


class AccreditationRefused(_Participant):
    """The accreditation desk refused accreditation, with a reason."""

    event_type: ClassVar[str] = "registration.accreditation.refused"
    topic: ClassVar[str] = topics.REGISTRATION

    reason: str


class ApplicationWithdrawn(_Participant):
    """The application was withdrawn (by its focal point, or because its delegation withdrew)."""

    event_type: ClassVar[str] = "registration.application.withdrawn"
    topic: ClassVar[str] = topics.REGISTRATION

    previous_state: str
    reason: str


class AccreditationRevoked(_Participant):
    """The organiser revoked an accreditation; the badge no longer admits its holder."""

    event_type: ClassVar[str] = "registration.accreditation.revoked"
    topic: ClassVar[str] = topics.REGISTRATION

    reason: str


class VettingCleared(_Participant):
    """The host's security service cleared a nominee."""

    event_type: ClassVar[str] = "registration.vetting.cleared"
    topic: ClassVar[str] = topics.REGISTRATION


class VettingFlagged(_Participant):
    """The host's security service flagged a nominee; the desk decides with that in view."""

    event_type: ClassVar[str] = "registration.vetting.flagged"
    topic: ClassVar[str] = topics.REGISTRATION

    note: str


class BadgeIssued(EventPayload):
    """A badge was issued (or re-issued, invalidating the previous one)."""

    event_type: ClassVar[str] = "registration.badge.issued"
    topic: ClassVar[str] = topics.REGISTRATION

    badge_id: UUID
    application_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    badge_number: str
    category: str
    zones: list[str]
    replaces: UUID | None = None


class BadgeVoided(EventPayload):
    """A badge stopped counting: its holder's accreditation was revoked or withdrawn."""

    event_type: ClassVar[str] = "registration.badge.voided"
    topic: ClassVar[str] = topics.REGISTRATION

    badge_id: UUID
    application_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    badge_number: str
    reason: str
    """Why: `revoked` or `withdrawn`."""
    voided_at: datetime


class ParticipantCheckedIn(EventPayload):
    """A badge was scanned and admitted at a checkpoint."""

    event_type: ClassVar[str] = "registration.participant.checked_in"
    topic: ClassVar[str] = topics.REGISTRATION

    checkin_id: UUID
    application_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    badge_number: str
    zone: str
    checkpoint: str


class PhotoUploaded(EventPayload):
    """A passport-style photo was stored for an application (the photo itself never travels)."""

    event_type: ClassVar[str] = "registration.application.photo_uploaded"
    topic: ClassVar[str] = topics.REGISTRATION

    application_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    photo_type: str


class VisaLetterIssued(EventPayload):
    """A visa support letter was printed for an application (its contents never travel)."""

    event_type: ClassVar[str] = "registration.visa_letter.issued"
    topic: ClassVar[str] = topics.REGISTRATION

    application_id: UUID
    meeting_id: UUID
    delegation_id: UUID
    reference: str


class InvitationIssued(EventPayload):
    """Someone was invited to a portal account, or sent a fresh link to an invitation."""

    event_type: ClassVar[str] = "registration.invitation.issued"
    topic: ClassVar[str] = topics.ACCOUNTS

    invitation_id: UUID
    email: str
    role: str
    delegation_id: UUID | None
    application_id: UUID | None
    language: str
    expires_at: datetime
    sealed_link: str | None = None
    """The link, sealed for the notification service's key: nobody else can open it."""


class InvitationCodeRequested(EventPayload):
    """An invitee chose a password: a code goes to the invited address to prove it is theirs."""

    event_type: ClassVar[str] = "registration.invitation.code_requested"
    topic: ClassVar[str] = topics.ACCOUNTS

    invitation_id: UUID
    email: str
    language: str
    expires_at: datetime
    sealed_code: str
    """The code, sealed for the notification service's key: nobody else can open it."""


class PasswordResetRequested(EventPayload):
    """An account holder asked for a password reset link (it travels sealed, for e-mail)."""

    event_type: ClassVar[str] = "registration.password_reset.requested"
    topic: ClassVar[str] = topics.ACCOUNTS

    account_id: UUID
    email: str
    language: str
    expires_at: datetime
    sealed_link: str
    """The link, sealed for the notification service's key: nobody else can open it."""


class SignInThrottled(EventPayload):
    """Too many failed sign-ins or reset requests: a key is locked for a while (an audit record).

    Never the password or the address tried: only a hash of the e-mail or network address, and
    the account's id when the e-mail address has one.
    """

    event_type: ClassVar[str] = "registration.sign_in.throttled"
    topic: ClassVar[str] = topics.ACCOUNTS

    action: str
    """`sign_in` or `password_reset`."""
    scope: str
    """`account` (one e-mail address) or `client` (one network address)."""
    key_hash: str
    """SHA-256 of the normalised e-mail address or of the client's network address."""
    account_id: UUID | None = None
    strikes: int
    locked_until: datetime
    lock_seconds: int


class AccountCreated(EventPayload):
    """An invitee set a password: the portal account exists."""

    event_type: ClassVar[str] = "registration.account.created"
    topic: ClassVar[str] = topics.ACCOUNTS

    account_id: UUID
    email: str
    role: str
    delegation_id: UUID | None


class ApplicationRecategorised(_Participant):
    """Before the decision, the nominee's category changed: the delegation checks its quota again."""

    event_type: ClassVar[str] = "registration.application.recategorised"
    topic: ClassVar[str] = topics.REGISTRATION

    previous_category: str


class SessionEnded(EventPayload):
    """Someone signed out: every service refuses the session's token from now on."""

    event_type: ClassVar[str] = "registration.session.ended"
    topic: ClassVar[str] = topics.ACCOUNTS

    sid: UUID
    """The session id: the `sid` claim of its token (not a meeting's session)."""
    account_id: UUID
    expires_at: datetime
    """When the token would have expired: the id need not be kept after this."""
