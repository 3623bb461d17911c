"""Tables of the registration schema."""

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from plenary_shared.db import schema_metadata
from plenary_shared.messaging_tables import messaging_tables

SCHEMA = "registration"
metadata = schema_metadata(SCHEMA)
messaging = messaging_tables(metadata)

delegations = Table(
    "delegations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("name", String(200), nullable=False),
)

applications = Table(
    "applications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("delegation_id", Uuid, nullable=False),
    Column("given_name", String(200), nullable=False),
    Column("family_name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("category", String(40), nullable=False),
    Column("nationality", String(3), nullable=False),
    # personal document data, encrypted at rest (Fernet)
    Column("passport_number_enc", LargeBinary, nullable=False),
    Column("date_of_birth_enc", LargeBinary, nullable=False),
    Column("state", String(20), nullable=False),
    Column("reason", Text),
    Column("submitted_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("meeting_id", "email"),
    Index("ix_applications_meeting_state", "meeting_id", "state"),
    Index("ix_applications_delegation", "delegation_id"),
)

application_history = Table(
    "application_history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("application_id", Uuid, nullable=False, index=True),
    Column("from_state", String(20)),
    Column("to_state", String(20), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
