"""Tables of the registration schema."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
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

meetings = Table(
    "meetings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("requires_vetting", Boolean, nullable=False, server_default="false"),
    Column("documents_purged_at", DateTime(timezone=True)),
)

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
    Column("passport_number_enc", LargeBinary),
    Column("date_of_birth_enc", LargeBinary),
    Column("documents_purged_at", DateTime(timezone=True)),
    Column("passport_expiry_enc", LargeBinary),
    Column("given_name_native", String(200)),
    Column("family_name_native", String(200)),
    Column("position", String(200)),
    Column("phone", String(40)),
    Column("dietary", String(500)),
    Column("accessibility", String(500)),
    Column("photo", LargeBinary),
    Column("photo_type", String(40)),
    Column("language", String(8), nullable=False, server_default="en"),
    Column("state", String(20), nullable=False),
    Column("vetting", String(20), nullable=False, server_default="not_required"),
    Column("vetting_note", Text),
    Column("reason", Text),
    Column("submitted_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("meeting_id", "email"),
    Index("ix_applications_meeting_state", "meeting_id", "state"),
    Index("ix_applications_delegation", "delegation_id"),
)

badges = Table(
    "badges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("application_id", Uuid, nullable=False),
    Column("meeting_id", Uuid, nullable=False),
    Column("delegation_id", Uuid, nullable=False),
    Column("badge_number", String(40), nullable=False, unique=True),
    Column("category", String(40), nullable=False),
    Column("colour", String(20), nullable=False),
    Column("zones", ARRAY(String(40)), nullable=False),
    Column("status", String(20), nullable=False, server_default="active"),
    Column("replaces", Uuid),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("voided_at", DateTime(timezone=True)),
    Column("void_reason", String(40)),  # replaced, revoked or withdrawn
    Index("ix_badges_application", "application_id"),
)

checkins = Table(
    "checkins",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("scan_key", String(128), nullable=False, unique=True),
    Column("badge_id", Uuid),
    Column("application_id", Uuid),
    Column("meeting_id", Uuid),
    Column("zone", String(40), nullable=False),
    Column("checkpoint", String(100), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("scanned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_checkins_application", "application_id", "scanned_at"),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("delegation_id", Uuid, nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("status", String(20), nullable=False, server_default="queued"),
    Column("total", Integer, nullable=False),
    Column("processed", Integer, nullable=False, server_default="0"),
    Column("nominated", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    # the uploaded file holds document data: encrypted, and erased once the import is done
    Column("content_enc", LargeBinary),
    Column("lease_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
)

import_errors = Table(
    "import_errors",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("import_id", Uuid, nullable=False),
    Column("line", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_import_errors_import_line", "import_id", "line"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("role", String(40), nullable=False),
    Column("delegation_id", Uuid),
    Column("application_id", Uuid),
    Column("language", String(8), nullable=False, server_default="en"),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column(
        "password_changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()
    ),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False, index=True),
    Column("role", String(40), nullable=False),
    Column("delegation_id", Uuid),
    Column("application_id", Uuid),
    Column("language", String(8), nullable=False, server_default="en"),
    # only a hash of the secret in the link is kept
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("accepted_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(200)),
    # acceptance: the chosen password waits here until the code e-mailed to the address is given
    Column("code_hash", String(64)),
    Column("code_expires_at", DateTime(timezone=True)),
    Column("code_sent_at", DateTime(timezone=True)),
    Column("code_attempts", Integer, nullable=False, server_default="0"),
    Column("pending_password_hash", String(200)),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

password_resets = Table(
    "password_resets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# strikes against sign-ins and reset requests, per e-mail or network address (hashed)
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    Column("action", String(20), primary_key=True),
    Column("scope", String(10), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("strikes", Integer, nullable=False, server_default="0"),
    Column("last_strike_at", DateTime(timezone=True)),
    Column("locked_until", DateTime(timezone=True)),
    Index("ix_sign_in_throttle_last_strike_at", "last_strike_at"),
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

# one per sign-in: signing out ends it, and every service then refuses its token (`sid` claim)
sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, nullable=False, index=True),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
)
