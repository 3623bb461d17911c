"""Tables of the delegation schema."""

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    func,
)

from plenary_shared.db import schema_metadata
from plenary_shared.messaging_tables import messaging_tables

SCHEMA = "delegation"
metadata = schema_metadata(SCHEMA)
messaging = messaging_tables(metadata)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
)

delegations = Table(
    "delegations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("country_code", String(3)),
    Column("kind", String(40), nullable=False),
    Column("head_name", String(200)),
    Column("head_title", String(200)),
    Column("quota", Integer, nullable=False),
    Column("quota_used", Integer, nullable=False, server_default="0"),
    Column("status", String(20), nullable=False, server_default="active"),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("meeting_id", "country_code"),
    CheckConstraint("quota_used <= quota AND quota_used >= 0", name="quota_bounds"),
)

nominations = Table(
    "nominations",
    metadata,
    Column("application_id", Uuid, primary_key=True),
    Column("delegation_id", Uuid, nullable=False, index=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("category", String(40), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("reason", String(60)),
    Column("decided_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
