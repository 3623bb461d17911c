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


class SubscriptionCreate(BaseModel):
    """What to receive (event type patterns, a meeting, a delegation) and by which channel."""

    model_config = ConfigDict(extra="forbid")

    channel: ChannelName = "webhook"
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


class PauseRequest(BaseModel):
    """Why a subscription is paused (kept with it)."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field("paused by its owner", min_length=1, max_length=500)


class PreferenceUpdate(BaseModel):
    """How a focal point hears of its delegation's nomination decisions."""

    model_config = ConfigDict(extra="forbid")

    decisions: Literal["immediate", "daily_digest"]
