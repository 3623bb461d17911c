"""Tables of the delegation schema."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from plenary_shared.db import schema_metadata
from plenary_shared.messaging_tables import messaging_tables

SCHEMA = "delegation"
metadata = schema_metadata(SCHEMA)
messaging = messaging_tables(metadata)

EMPTY_JSON = text("'{}'::jsonb")

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
    # 0003: head's rank, names per language, seats per session format, withdrawal
    Column("head_rank", String(40)),
    Column("names", JSONB, nullable=False, server_default=EMPTY_JSON),
    Column("session_seats", JSONB, nullable=False, server_default=EMPTY_JSON),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("withdrawn_by", String(200)),
    Column("withdrawal_reason", String(500)),
    # 0004: whether a nomination over quota waits on the list when its focal point does not say
    Column("waitlist_by_default", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("meeting_id", "country_code"),
    CheckConstraint("quota_used <= quota AND quota_used >= 0", name="quota_bounds"),
)

# One row per delegation and category that has a quota or has used seats; quota NULL = no limit.
category_quotas = Table(
    "category_quotas",
    metadata,
    Column("delegation_id", Uuid, nullable=False),
    Column("category", String(40), nullable=False),
    Column("quota", Integer),
    Column("used", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("delegation_id", "category"),
    CheckConstraint("used >= 0 AND (quota IS NULL OR used <= quota)", name="used_bounds"),
)

# One seat per accepted nomination: releasing it (once) frees the total and the category.
seats = Table(
    "seats",
    metadata,
    Column("application_id", Uuid, primary_key=True),
    Column("delegation_id", Uuid, nullable=False, index=True),
    Column("category", String(40), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("released_at", DateTime(timezone=True)),
    Column("release_reason", String(60)),
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
    # 0004: the focal point's choice (None: the delegation's default), the place in line
    # (decision "waitlisted", first come first served) and when a freed seat was given
    Column("waitlist", Boolean),
    Column("waitlisted_at", DateTime(timezone=True)),
    Column("promoted_at", DateTime(timezone=True)),
    Index("ix_nominations_waiting", "delegation_id", "decision", "waitlisted_at"),
)

focal_points = Table(
    "focal_points",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("delegation_id", Uuid, nullable=False, index=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("language", String(8), nullable=False),
    Column("assigned_by", String(200), nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(200)),
    Index(
        "uq_focal_points_active_email",
        "delegation_id",
        "email",
        unique=True,
        postgresql_where=text("revoked_at IS NULL"),
    ),
)

movements = Table(
    "movements",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("delegation_id", Uuid, nullable=False, index=True),
    Column("meeting_id", Uuid, nullable=False),
    Column("direction", String(20), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("carrier", String(100)),
    Column("number", String(20)),
    Column("place", String(200), nullable=False),
    Column("scheduled_at", DateTime(timezone=True), nullable=False),
    Column("persons", Integer, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("persons >= 1", name="persons_positive"),
    Index("ix_movements_meeting_direction_time", "meeting_id", "direction", "scheduled_at"),
)

accommodations = Table(
    "accommodations",
    metadata,
    Column("delegation_id", Uuid, primary_key=True),
    Column("hotel", String(200), nullable=False),
    Column("rooms", Integer, nullable=False),
    Column("check_in", Date, nullable=False),
    Column("check_out", Date, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("rooms >= 1 AND check_out > check_in", name="stay_bounds"),
)

liaison_officers = Table(
    "liaison_officers",
    metadata,
    Column("delegation_id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("email", String(320), nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
