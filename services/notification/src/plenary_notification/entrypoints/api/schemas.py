"""Request and response models of the notification API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator


class SubscriptionCreate(BaseModel):
    """A webhook subscription to event types."""

    model_config = ConfigDict(extra="forbid")

    channel: Literal["webhook"] = "webhook"
    url: AnyHttpUrl
    event_types: list[str] = Field(
        min_length=1, max_length=100, examples=[["registration.*", "delegation.nomination.*"]]
    )
    meeting_id: UUID | None = Field(None, description="only events of this meeting")
    description: str | None = Field(None, max_length=500)

    @field_validator("event_types")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not pattern or len(pattern) > 200 or any(c.isspace() for c in pattern):
                raise ValueError(
                    f"'{pattern}' is not an event type pattern (e.g. registration.* or "
                    "registration.accreditation.granted)"
                )
        return value


class SubscriptionRead(BaseModel):
    """A subscription (the secret is shown only when it is created)."""

    id: UUID
    channel: str
    url: str
    event_types: list[str]
    meeting_id: UUID | None
    status: str
    description: str | None
    created_at: datetime


class SubscriptionCreated(SubscriptionRead):
    """A new subscription with its signing secret (Standard Webhooks `whsec_...`)."""

    secret: str


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
