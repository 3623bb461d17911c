"""Tables of the notification schema."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from plenary_shared.db import schema_metadata
from plenary_shared.messaging_tables import messaging_tables

SCHEMA = "notification"
metadata = schema_metadata(SCHEMA)
messaging = messaging_tables(metadata)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("owner_role", String(40), nullable=False, server_default="organiser"),
    Column("channel", String(20), nullable=False),
    Column("url", Text),
    Column("email", String(320)),
    Column("language", String(8), nullable=False, server_default="en"),
    Column("event_types", ARRAY(String(200)), nullable=False),
    Column("meeting_id", Uuid),
    # a focal point's subscriptions are confined to its delegation, a participant's to itself
    Column("delegation_id", Uuid),
    Column("application_id", Uuid),
    Column("secret", String(200), nullable=False),
    # after a rotation the old secret still signs, beside the new one, until it expires
    Column("previous_secret", String(200)),
    Column("previous_secret_expires_at", DateTime(timezone=True)),
    Column("status", String(20), nullable=False, server_default="active"),
    Column("status_reason", String(500)),
    Column("contact_email", String(320)),
    Column("failing_since", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("description", String(500)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_subscriptions_owner", "owner", "created_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("subscription_id", Uuid, nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("status", String(20), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("lease_until", DateTime(timezone=True)),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True)),
    UniqueConstraint("subscription_id", "event_id"),
    Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    Index("ix_deliveries_subscription", "subscription_id", "created_at"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("delivery_id", Uuid, nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("status_code", Integer),
    Column("latency_ms", Float, nullable=False),
    Column("error", Text),
)

stream_events = Table(
    "stream_events",
    metadata,
    # the position a live stream resumes from (Last-Event-ID)
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("event_type", String(200), nullable=False),
    Column("meeting_id", Uuid),
    Column("delegation_id", Uuid),
    Column("application_id", Uuid),
    Column("session_id", Uuid),
    Column("envelope", JSONB, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_stream_events_delegation", "delegation_id", "seq"),
    Index("ix_stream_events_application", "application_id", "seq"),
)

emails = Table(
    "emails",
    metadata,
    Column("id", Uuid, primary_key=True),
    # one e-mail of a kind per event and recipient, however often the event arrives
    Column("dedupe_key", String(500), nullable=False, unique=True),
    Column("event_id", String(100), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("language", String(8), nullable=False),
    # what the template needs; a link inside stays sealed until the moment of sending
    Column("context", JSONB, nullable=False),
    Column("delegation_id", Uuid),
    Column("status", String(20), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("lease_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_emails_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    Index("ix_emails_recipient", "recipient", "created_at"),
    Index("ix_emails_batched", "recipient", postgresql_where=text("status = 'batched'")),
)

focal_points = Table(
    "focal_points",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("delegation_id", Uuid, nullable=False, index=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(300), nullable=False),
    Column("language", String(8), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

email_preferences = Table(
    "email_preferences",
    metadata,
    Column("email", String(320), primary_key=True),
    # "immediate" or "daily_digest", for the nomination decisions of a focal point's delegation
    Column("decisions", String(20), nullable=False, server_default="immediate"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("city", String(120), nullable=False),
    Column("timezone", String(64), nullable=False),
)

participants = Table(
    "participants",
    metadata,
    # accredited participants, to be written to about their sessions
    Column("application_id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("delegation_id", Uuid, nullable=False),
    Column("email", String(320), nullable=False),
    Column("language", String(8), nullable=False),
    Column("given_name", String(200), nullable=False),
    Column("family_name", String(200), nullable=False),
)

attendance = Table(
    "attendance",
    metadata,
    # who is in which session, as scheduling announces it
    Column("session_id", Uuid, primary_key=True),
    Column("application_id", Uuid, primary_key=True),
    Column("delegation_id", Uuid, nullable=False),
    Index("ix_attendance_application", "application_id"),
)
