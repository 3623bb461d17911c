"""Response models of the notification API (its request bodies are `domain.commands`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from plenary_notification.domain.commands import PreferenceUpdate


class SubscriptionRead(BaseModel):
    """A subscription (the secret is shown only when it is created or rotated)."""

    id: UUID
    channel: str
    url: str | None
    email: str | None
    language: str
    event_types: list[str]
    meeting_id: UUID | None
    delegation_id: UUID | None
    application_id: UUID | None
    status: Literal["active", "paused", "disabled"]
    status_reason: str | None
    description: str | None
    contact_email: str | None
    failing_since: datetime | None
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionRead):
    """A new subscription with its signing secret (Standard Webhooks `whsec_...`)."""

    secret: str


class SecretRotation(BaseModel):
    """The new signing secret; the previous one also signs until `previous_valid_until`."""

    secret: str
    previous_valid_until: datetime


class DeliveryRead(BaseModel):
    """One event's delivery to one subscription."""

    id: UUID
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime


class AttemptRead(BaseModel):
    """One try of a delivery."""

    at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None


class PingQueued(BaseModel):
    """A test delivery is on its way."""

    delivery_id: UUID


class EmailRead(BaseModel):
    """One e-mail and how its sending went (its content is not kept readable)."""

    id: UUID
    kind: str
    recipient: str
    language: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class PreferenceRead(PreferenceUpdate):
    """A focal point's choice."""

    email: str


class DigestsQueued(BaseModel):
    """How many digests were queued."""

    queued: int
