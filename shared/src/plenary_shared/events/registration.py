"""Payloads published by the registration service on `registration.events`.

Never personal document data (passport number, date of birth) in any of these.
"""

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


class ApplicationSubmitted(_Participant):
    """A focal point nominated a participant."""

    event_type: ClassVar[str] = "registration.application.submitted"
    topic: ClassVar[str] = topics.REGISTRATION

    nationality: str


class ApplicationNominated(_Participant):
    """The delegation accepted the nomination under its quota."""

    event_type: ClassVar[str] = "registration.application.nominated"
    topic: ClassVar[str] = topics.REGISTRATION


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
