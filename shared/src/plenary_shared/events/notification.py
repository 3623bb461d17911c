"""Payloads published by the notification service on `notification.events`."""

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
