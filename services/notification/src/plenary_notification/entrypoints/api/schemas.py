"""Request and response models of the notification API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from plenary_shared.inputs import Text

Channel = Literal["webhook", "email", "stream"]
Language = Literal["en", "ru", "zh"]


def _check_patterns(value: list[str]) -> list[str]:
    for pattern in value:
        if not pattern.isprintable():
            raise ValueError(
                "an event type pattern holds a control or invisible character; patterns are "
                "like registration.* or registration.accreditation.granted"
            )
        if not pattern or len(pattern) > 200 or any(c.isspace() for c in pattern):
            raise ValueError(
                f"'{pattern[:200]}' is not an event type pattern (e.g. registration.* or "
                "registration.accreditation.granted)"
            )
    return value


class SubscriptionCreate(BaseModel):
    """What to receive (event type patterns, a meeting, a delegation) and by which channel."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel = "webhook"
    url: AnyHttpUrl | None = Field(None, description="where webhooks go (channel webhook)")
    email: EmailStr | None = Field(None, description="where e-mails go (channel email)")
    language: Language = Field("en", description="the language of e-mails")
    event_types: list[str] = Field(
        min_length=1, max_length=100, examples=[["registration.*", "scheduling.session.*"]]
    )
    meeting_id: UUID | None = Field(None, description="only events of this meeting")
    delegation_id: UUID | None = Field(
        None, description="only events of this delegation (a focal point's are always its own)"
    )
    description: Text | None = Field(None, max_length=500)
    contact_email: EmailStr | None = Field(
        None, description="who is told if the receiver fails so long that it is disabled"
    )

    _patterns = field_validator("event_types")(_check_patterns)

    @model_validator(mode="after")
    def _destination(self) -> SubscriptionCreate:
        if self.channel == "webhook" and self.url is None:
            raise ValueError("a webhook subscription needs the url to post to")
        if self.channel == "email" and self.email is None:
            raise ValueError("an e-mail subscription needs the email address to write to")
        if self.channel != "webhook" and self.url is not None:
            raise ValueError(f"a {self.channel} subscription takes no url")
        if self.channel != "email" and self.email is not None:
            raise ValueError(f"a {self.channel} subscription takes no email address")
        return self


class SubscriptionUpdate(BaseModel):
    """The parts of a subscription that can change (send only those that do)."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl | None = None
    event_types: list[str] | None = Field(None, min_length=1, max_length=100)
    meeting_id: UUID | None = None
    delegation_id: UUID | None = None
    language: Language | None = None
    description: Text | None = Field(None, max_length=500)
    contact_email: EmailStr | None = None

    @field_validator("event_types")
    @classmethod
    def _patterns(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_patterns(value)


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


class PauseRequest(BaseModel):
    """Why a subscription is paused (kept with it)."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field("paused by its owner", min_length=1, max_length=500)


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
