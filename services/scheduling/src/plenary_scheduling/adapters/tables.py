"""Tables of the scheduling schema."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from plenary_shared.db import schema_metadata
from plenary_shared.messaging_tables import messaging_tables

SCHEMA = "scheduling"
metadata = schema_metadata(SCHEMA)
messaging = messaging_tables(metadata)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("city", String(120), nullable=False),
    Column("venue", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("requires_vetting", Boolean, nullable=False, server_default="false"),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

venues = Table(
    "venues",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    Column("city", String(120), nullable=False),
    Column("address", String(400), nullable=False, server_default=""),
    Column("timezone", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_venues_meeting", "meeting_id", "name", unique=True),
)

rooms = Table(
    "rooms",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("venue_id", Uuid, nullable=False),
    Column("meeting_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
    # None only for rooms carried over from free-text room names (migration 0004)
    Column("capacity", Integer, nullable=True),
    Column("access_zone", String(40), nullable=True),
    Column("languages", JSONB, nullable=False, server_default="[]"),
    Column("bilateral", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_rooms_venue_name", "venue_id", "name", unique=True),
    Index("ix_rooms_meeting", "meeting_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("title", String(300), nullable=False),
    Column("titles", JSONB, nullable=False, server_default="{}"),
    Column("format", String(40), nullable=False),
    Column("room_id", Uuid, nullable=False),
    Column("visibility", String(20), nullable=False, server_default="public"),
    Column("status", String(20), nullable=False, server_default="scheduled"),
    Column("sequence", Integer, nullable=False, server_default="0"),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("cancel_reason", Text, nullable=True),
    Column("bilateral_id", Uuid, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_sessions_meeting_start", "meeting_id", "starts_at"),
    Index("ix_sessions_room_start", "room_id", "starts_at"),
)

participants = Table(
    "participants",
    metadata,
    Column("application_id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("delegation_id", Uuid, nullable=False),
    Column("given_name", String(200), nullable=False),
    Column("family_name", String(200), nullable=False),
    Column("category", String(40), nullable=False),
    Column("accredited_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False, server_default="accredited"),
    Column("calendar_token", String(80), nullable=False),
    Index("ix_participants_meeting", "meeting_id", "family_name"),
    Index("ix_participants_calendar_token", "calendar_token", unique=True),
    Index("ix_participants_delegation", "delegation_id"),
)

attendance = Table(
    "attendance",
    metadata,
    Column("session_id", Uuid, primary_key=True),
    Column("application_id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("delegation_id", Uuid, nullable=False),
    Column("assigned_by", String(200), nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_attendance_application", "application_id"),
    Index("ix_attendance_delegation", "delegation_id", "session_id"),
)

# who waits for a seat of their delegation in a session (over its seats for the format), in order
session_waiting = Table(
    "session_waiting",
    metadata,
    Column("session_id", Uuid, primary_key=True),
    Column("application_id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("delegation_id", Uuid, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column(
        "waiting_since",
        DateTime(timezone=True),
        nullable=False,
        server_default=func.clock_timestamp(),
    ),
    Index("ix_session_waiting_line", "session_id", "delegation_id", "waiting_since"),
    Index("ix_session_waiting_application", "application_id"),
)

session_heads = Table(
    "session_heads",
    metadata,
    Column("session_id", Uuid, primary_key=True),
    Column("delegation_id", Uuid, primary_key=True),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_session_heads_delegation", "delegation_id"),
)

delegations = Table(
    "delegations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("name", String(300), nullable=False),
    Column("session_seats", JSONB, nullable=False, server_default="{}"),
    Column("status", String(20), nullable=False, server_default="active"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_delegations_meeting", "meeting_id"),
)

schedule_versions = Table(
    "schedule_versions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("number", Integer, nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("snapshot", JSONB, nullable=False),
    Column("published_by", String(200), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_schedule_versions_meeting_number", "meeting_id", "number", unique=True),
)

bilateral_requests = Table(
    "bilateral_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("requester_id", Uuid, nullable=False),
    Column("counterpart_id", Uuid, nullable=False),
    # the delegation whose answer is awaited: the counterpart, or the requester after a counter-proposal
    Column("awaiting_id", Uuid, nullable=False),
    Column("status", String(20), nullable=False),
    Column("slots", JSONB, nullable=False),
    Column("agenda", String(300), nullable=False, server_default=""),
    Column("note", String(1000), nullable=False, server_default=""),
    Column("session_id", Uuid, nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_bilateral_requests_meeting", "meeting_id", "created_at"),
    Index("ix_bilateral_requests_requester", "requester_id"),
    Index("ix_bilateral_requests_counterpart", "counterpart_id"),
)
