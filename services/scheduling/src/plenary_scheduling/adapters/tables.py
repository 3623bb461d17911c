"""Tables of the scheduling schema."""

from sqlalchemy import Boolean, Column, Date, DateTime, Index, String, Table, Uuid, func

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

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("title", String(300), nullable=False),
    Column("format", String(40), nullable=False),
    Column("room", String(200), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_sessions_meeting_start", "meeting_id", "starts_at"),
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
    Index("ix_participants_meeting", "meeting_id", "family_name"),
)
