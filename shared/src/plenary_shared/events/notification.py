"""Payloads published by the notification service on `notification.events`."""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from plenary_shared import topics
from plenary_shared.events import EventPayload


class SubscriptionCreated(EventPayload):
    """A subscription was registered."""

    event_type: ClassVar[str] = "notification.subscription.created"
    topic: ClassVar[str] = topics.NOTIFICATION

    subscription_id: UUID
    channel: str
    event_types: list[str]


class DeliveryFailed(EventPayload):
    """A delivery gave up after its last retry."""

    event_type: ClassVar[str] = "notification.delivery.failed"
    topic: ClassVar[str] = topics.NOTIFICATION

    delivery_id: UUID
    subscription_id: UUID
    event_id: str
    event_type_delivered: str
    attempts: int
    last_error: str


class SubscriptionPaused(EventPayload):
    """A subscription stopped delivering: paused by its owner, or disabled after failing too long."""

    event_type: ClassVar[str] = "notification.subscription.paused"
    topic: ClassVar[str] = topics.NOTIFICATION

    subscription_id: UUID
    status: str
    reason: str


class SubscriptionResumed(EventPayload):
    """A paused or disabled subscription delivers again."""

    event_type: ClassVar[str] = "notification.subscription.resumed"
    topic: ClassVar[str] = topics.NOTIFICATION

    subscription_id: UUID


class SecretRotated(EventPayload):
    """A webhook signing secret was replaced; the old one signs too until the grace period ends."""

    event_type: ClassVar[str] = "notification.subscription.secret_rotated"
    topic: ClassVar[str] = topics.NOTIFICATION

    subscription_id: UUID
    previous_valid_until: datetime
