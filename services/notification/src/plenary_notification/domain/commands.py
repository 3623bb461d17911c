"""The commands of notification: what a caller asks of a use case (the API's request bodies)."""

from __future__ import annotations

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

from plenary_notification.domain import examples
from plenary_notification.domain.model import Channel, rules_of
from plenary_shared.inputs import Text

# the values of `Channel`, spelled for the API schema (a unit test keeps them the same)
ChannelName = Literal["webhook", "email", "stream"]
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


EVENT_TYPES = (
    "Event types to receive: exact, such as registration.accreditation.granted, or "
    "shell-style patterns, such as registration.* (* alone: every event the caller may see)."
)


class SubscriptionCreate(BaseModel):
    """What to receive (event type patterns, a meeting, a delegation) and by which channel."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel": "webhook",
                    "url": examples.WEBHOOK_URL,
                    "language": "en",
                    "event_types": ["registration.accreditation.*", "scheduling.session.*"],
                    "meeting_id": examples.MEETING_ID,
                    "delegation_id": examples.DELEGATION_ID,
                    "description": "Kazakhstan delegation's accreditation desk system",
                    "contact_email": examples.CONTACT,
                }
            ]
        },
    )

    channel: ChannelName = Field(
        "webhook",
        description="How events arrive: webhook (signed POSTs to `url`), email (to `email`) or "
        "stream (read with GET /v1/stream).",
    )
    url: AnyHttpUrl | None = Field(
        None,
        description="Where webhooks are posted (channel webhook only); it must be an address the "
        "service's egress policy allows.",
    )
    email: EmailStr | None = Field(None, description="Where e-mails go (channel email only).")
    language: Language = Field(
        "en", description="The language of e-mails: en (English), ru (Russian) or zh (Chinese)."
    )
    event_types: list[str] = Field(
        min_length=1,
        max_length=100,
        examples=[["registration.*", "scheduling.session.*"]],
        description=EVENT_TYPES,
    )
    meeting_id: UUID | None = Field(
        None, description="Only events of this meeting; left out, events of every meeting."
    )
    delegation_id: UUID | None = Field(
        None,
        description="Only events of this delegation; a focal point's subscriptions always "
        "receive its own delegation's only.",
    )
    description: Text | None = Field(
        None, max_length=500, description="A note for people: what the subscription is for."
    )
    contact_email: EmailStr | None = Field(
        None,
        description="Who is written to when the receiver keeps failing until the subscription "
        "is disabled.",
    )

    _patterns = field_validator("event_types")(_check_patterns)

    @model_validator(mode="after")
    def _destination(self) -> SubscriptionCreate:
        rules = rules_of(self.channel)
        if rules.has_url and self.url is None:
            raise ValueError("a webhook subscription needs the url to post to")
        if self.channel == Channel.EMAIL and self.email is None:
            raise ValueError("an e-mail subscription needs the email address to write to")
        if not rules.has_url and self.url is not None:
            raise ValueError(f"a {self.channel} subscription takes no url")
        if self.channel != Channel.EMAIL and self.email is not None:
            raise ValueError(f"a {self.channel} subscription takes no email address")
        return self


class SubscriptionUpdate(BaseModel):
    """The parts of a subscription that can change (send only those that do)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "event_types": ["registration.*", "scheduling.session.*"],
                    "contact_email": examples.CONTACT,
                }
            ]
        },
    )

    url: AnyHttpUrl | None = Field(None, description="A new webhook address (webhooks only).")
    event_types: list[str] | None = Field(
        None, min_length=1, max_length=100, description=f"{EVENT_TYPES} Replaces the list."
    )
    meeting_id: UUID | None = Field(None, description="Only events of this meeting from now on.")
    delegation_id: UUID | None = Field(
        None, description="Only events of this delegation from now on (organiser staff)."
    )
    language: Language | None = Field(None, description="A new e-mail language: en, ru or zh.")
    description: Text | None = Field(
        None, max_length=500, description="A new note: what the subscription is for."
    )
    contact_email: EmailStr | None = Field(
        None, description="A new address to tell when the receiver keeps failing."
    )

    @field_validator("event_types")
    @classmethod
    def _patterns(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_patterns(value)


class PauseRequest(BaseModel):
    """Why a subscription is paused (kept with it)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "receiver down for maintenance until 18:00 Moscow time"}]
        },
    )

    reason: Text = Field(
        "paused by its owner",
        min_length=1,
        max_length=500,
        description="Why, shown as the subscription's status_reason while it is paused.",
    )


class PreferenceUpdate(BaseModel):
    """How a focal point hears of its delegation's nomination decisions."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"decisions": "daily_digest"}]}
    )

    decisions: Literal["immediate", "daily_digest"] = Field(
        description="immediate: an e-mail per decision on the delegation's nominees; "
        "daily_digest: one e-mail a day listing them."
    )
