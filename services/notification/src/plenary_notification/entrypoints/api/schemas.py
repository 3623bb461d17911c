"""Response models of the notification API (its request bodies are `domain.commands`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict, JsonValue

from plenary_notification.domain import examples as ex
from plenary_notification.domain.commands import PreferenceUpdate

SUBSCRIPTION: JsonDict = {
    "id": ex.SUBSCRIPTION_ID,
    "channel": "webhook",
    "url": ex.WEBHOOK_URL,
    "email": None,
    "language": "en",
    "event_types": ["registration.accreditation.*", "scheduling.session.*"],
    "meeting_id": ex.MEETING_ID,
    "delegation_id": ex.DELEGATION_ID,
    "application_id": None,
    "status": "active",
    "status_reason": None,
    "description": "Kazakhstan delegation's accreditation desk system",
    "contact_email": ex.CONTACT,
    "failing_since": None,
    "last_success_at": "2027-05-20T08:00:02Z",
    "created_at": "2027-05-10T09:30:00Z",
    "updated_at": "2027-05-10T09:30:00Z",
}
ATTEMPTS: list[JsonValue] = [
    {
        "at": "2027-05-20T08:00:01Z",
        "status_code": 503,
        "latency_ms": 212.9,
        "error": "receiver answered 503",
    },
    {"at": "2027-05-20T08:00:32Z", "status_code": 200, "latency_ms": 84.7, "error": None},
]


class SubscriptionRead(BaseModel):
    """A subscription (the secret is shown only when it is created or rotated)."""

    model_config = ConfigDict(json_schema_extra={"examples": [SUBSCRIPTION]})

    id: UUID = Field(description="The subscription's id.")
    channel: str = Field(description="How events arrive: webhook, email or stream.")
    url: str | None = Field(description="Where webhooks are posted; null for other channels.")
    email: str | None = Field(description="Where e-mails go; null for other channels.")
    language: str = Field(description="The language of e-mails: en, ru or zh.")
    event_types: list[str] = Field(
        description="The event types and patterns received, such as registration.*."
    )
    meeting_id: UUID | None = Field(description="Only events of this meeting; null: every meeting.")
    delegation_id: UUID | None = Field(
        description="Only events of this delegation; null: every delegation the owner may see."
    )
    application_id: UUID | None = Field(
        description="A participant's subscription: only events about its own application."
    )
    status: Literal["active", "paused", "disabled"] = Field(
        description="active; paused by its owner; or disabled by the service after the receiver "
        "failed for too long (resume to deliver again)."
    )
    status_reason: str | None = Field(description="Why it is paused or disabled.")
    description: str | None = Field(description="The owner's note: what it is for.")
    contact_email: str | None = Field(
        description="Who is written to when the receiver keeps failing."
    )
    failing_since: datetime | None = Field(
        description="Since when every delivery has failed (UTC); null while deliveries succeed."
    )
    last_success_at: datetime | None = Field(
        description="When a delivery last succeeded (UTC); null if none has yet."
    )
    created_at: datetime = Field(description="When it was made (UTC).")
    updated_at: datetime = Field(description="When it last changed (UTC).")


class SubscriptionCreated(SubscriptionRead):
    """A new subscription with its signing secret (Standard Webhooks `whsec_...`)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**SUBSCRIPTION, "secret": ex.SIGNING_KEY}]}
    )

    secret: str = Field(
        description="The signing secret of a webhook's `webhook-signature` header (Standard "
        "Webhooks): shown only here and on rotation, so keep it now. Only webhooks are "
        "signed; other channels never use it."
    )


class SecretRotation(BaseModel):
    """The new signing secret; the previous one also signs until `previous_valid_until`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"secret": ex.NEW_SIGNING_KEY, "previous_valid_until": "2027-05-21T08:00:00Z"}
            ]
        }
    )

    secret: str = Field(description="The new signing secret (whsec_...); shown only here.")
    previous_valid_until: datetime = Field(
        description="Until when deliveries are signed with the previous secret too (UTC), so "
        "the receiver can switch over."
    )


class DeliveryRead(BaseModel):
    """One event's delivery to one subscription."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.DELIVERY_ID,
                    "event_id": ex.EVENT_ID,
                    "event_type": "registration.accreditation.granted",
                    "status": "pending",
                    "attempts": 1,
                    "last_status_code": 503,
                    "last_error": "receiver answered 503",
                    "created_at": "2027-05-20T08:00:00Z",
                    "delivered_at": None,
                    "next_attempt_at": "2027-05-20T08:00:31Z",
                }
            ]
        }
    )

    id: UUID = Field(description="The delivery's id.")
    event_id: str = Field(description="The CloudEvent id, also the webhook-id header.")
    event_type: str = Field(description="The CloudEvent type.")
    status: str = Field(
        description="pending (being tried), delivered (a 2xx answer), failed (every attempt "
        "failed; redeliver to try again) or cancelled (the subscription was removed)."
    )
    attempts: int = Field(description="Attempts made so far.")
    last_status_code: int | None = Field(
        description="The HTTP status of the last attempt; null if it got no answer."
    )
    last_error: str | None = Field(
        description="What went wrong on the last attempt; null once delivered."
    )
    created_at: datetime = Field(description="When the event was queued for delivery (UTC).")
    delivered_at: datetime | None = Field(description="When the receiver took it (UTC).")
    next_attempt_at: datetime = Field(
        description="When the next attempt is due (UTC), after an exponential backoff; it "
        "matters only while the delivery is pending."
    )


class AttemptRead(BaseModel):
    """One try of a delivery."""

    model_config = ConfigDict(json_schema_extra={"examples": ATTEMPTS[-1:]})

    at: datetime = Field(description="When it was tried (UTC).")
    status_code: int | None = Field(
        description="The receiver's HTTP status; null when no answer came (timeout, refused)."
    )
    latency_ms: float = Field(description="How long the receiver took, in milliseconds.")
    error: str | None = Field(description="What went wrong; null for a 2xx answer.")


class PingQueued(BaseModel):
    """A test delivery is on its way."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"delivery_id": ex.DELIVERY_ID}]})

    delivery_id: UUID = Field(
        description="The test delivery (event type notification.ping), in the delivery log."
    )


class EmailRead(BaseModel):
    """One e-mail and how its sending went (its content is not kept readable)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": ex.EMAIL_ID,
                    "kind": "accredited",
                    "recipient": "a.nurlanova@example.org",
                    "language": "ru",
                    "event_id": ex.EVENT_ID,
                    "event_type": "registration.accreditation.granted",
                    "status": "sent",
                    "attempts": 1,
                    "last_error": None,
                    "created_at": "2027-05-20T08:00:00Z",
                    "sent_at": "2027-05-20T08:01:05Z",
                }
            ]
        }
    )

    id: UUID = Field(description="The e-mail's id.")
    kind: str = Field(
        description="Which message it is, e.g. invitation, invitation_code, password_reset, "
        "decision, accredited, session_changed, webhook_disabled."
    )
    recipient: str = Field(description="The address written to.")
    language: str = Field(description="The language it was written in: en, ru or zh.")
    event_id: str = Field(description="The id of the event that caused it.")
    event_type: str = Field(description="The type of the event that caused it.")
    status: str = Field(
        description="pending, sent or failed; held (waiting for its recipient's daily digest), "
        "digested (sent in one), batched (waiting to be combined with other schedule changes) "
        "or combined (sent in such a message)."
    )
    attempts: int = Field(description="Sending attempts so far.")
    last_error: str | None = Field(
        description="What went wrong on the last attempt; null once sent."
    )
    created_at: datetime = Field(description="When it was queued (UTC).")
    sent_at: datetime | None = Field(description="When the mail server took it (UTC).")


class PreferenceRead(PreferenceUpdate):
    """A focal point's choice."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"decisions": "daily_digest", "email": "focal.point@example.org"}]
        }
    )

    email: str = Field(description="The caller's address the choice applies to.")


class DigestsQueued(BaseModel):
    """How many digests were queued."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"queued": 3}]})

    queued: int = Field(description="Digests queued now, one per recipient with held e-mails.")
