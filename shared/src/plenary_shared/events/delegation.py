"""Payloads published by the delegation service on `delegation.events`."""

from typing import ClassVar, Literal
from uuid import UUID

from plenary_shared import topics
from plenary_shared.events import EventPayload


class DelegationRegistered(EventPayload):
    """An organiser registered a delegation for a meeting, with its quota."""

    event_type: ClassVar[str] = "delegation.delegation.registered"
    topic: ClassVar[str] = topics.DELEGATION

    delegation_id: UUID
    meeting_id: UUID
    name: str
    country_code: str | None
    kind: str
    quota: int


class NominationAccepted(EventPayload):
    """A nomination fitted within the delegation's quota."""

    event_type: ClassVar[str] = "delegation.nomination.accepted"
    topic: ClassVar[str] = topics.DELEGATION

    application_id: UUID
    delegation_id: UUID
    meeting_id: UUID
    category: str
    quota: int
    used: int


class NominationRejected(EventPayload):
    """A nomination was refused by the delegation's rules."""

    event_type: ClassVar[str] = "delegation.nomination.rejected"
    topic: ClassVar[str] = topics.DELEGATION

    application_id: UUID
    delegation_id: UUID
    meeting_id: UUID
    category: str
    reason: Literal["quota_exceeded", "wrong_meeting"]
    quota: int
    used: int
