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
    category_quotas: dict[str, int] = {}
    session_seats: dict[str, int] = {}


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
    promoted: bool = False
    """True when the nominee waited on the delegation's waiting list until a seat freed."""


class NominationWaitlisted(EventPayload):
    """The quota was full and the nomination waits on the delegation's list for its category."""

    event_type: ClassVar[str] = "delegation.nomination.waitlisted"
    topic: ClassVar[str] = topics.DELEGATION

    application_id: UUID
    delegation_id: UUID
    meeting_id: UUID
    category: str
    position: int
    """1 for the first in line for the category when the nomination joined the list."""
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
    reason: Literal["quota_exceeded", "wrong_meeting", "delegation_withdrawn"]
    quota: int
    used: int


class QuotasChanged(EventPayload):
    """An organiser changed a delegation's quotas (total, per category, seats per session format)."""

    event_type: ClassVar[str] = "delegation.quotas.changed"
    topic: ClassVar[str] = topics.DELEGATION

    delegation_id: UUID
    meeting_id: UUID
    quota: int
    category_quotas: dict[str, int]
    session_seats: dict[str, int]


class DelegationWithdrawn(EventPayload):
    """A delegation withdrew from a meeting: its applications are withdrawn, its seats freed."""

    event_type: ClassVar[str] = "delegation.delegation.withdrawn"
    topic: ClassVar[str] = topics.DELEGATION

    delegation_id: UUID
    meeting_id: UUID
    reason: str


class FocalPointAssigned(EventPayload):
    """A person became a focal point of a delegation (registration invites them to the portal)."""

    event_type: ClassVar[str] = "delegation.focal_point.assigned"
    topic: ClassVar[str] = topics.DELEGATION

    focal_point_id: UUID
    delegation_id: UUID
    meeting_id: UUID
    email: str
    name: str
    language: str = "en"


class FocalPointRevoked(EventPayload):
    """A person is no longer a focal point of a delegation."""

    event_type: ClassVar[str] = "delegation.focal_point.revoked"
    topic: ClassVar[str] = topics.DELEGATION

    focal_point_id: UUID
    delegation_id: UUID
    meeting_id: UUID
    email: str
