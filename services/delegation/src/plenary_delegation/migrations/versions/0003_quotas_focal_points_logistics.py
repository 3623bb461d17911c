"""Per-category quotas and seats, session seats, withdrawal, head's rank and names per language,
focal points, movements, accommodation and liaison officers.

Existing accepted nominations become seats and per-category counters, so `quota_used` stays the
number of unreleased seats.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "delegation"


def upgrade() -> None:
    op.add_column(
        "delegations", sa.Column("head_rank", sa.String(length=40), nullable=True), schema=SCHEMA
    )
    op.add_column(
        "delegations",
        sa.Column(
            "names",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        schema=SCHEMA,
    )
    op.add_column(
        "delegations",
        sa.Column(
            "session_seats",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        schema=SCHEMA,
    )
    op.add_column(
        "delegations",
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    op.add_column(
        "delegations",
        sa.Column("withdrawn_by", sa.String(length=200), nullable=True),
        schema=SCHEMA,
    )
    op.add_column(
        "delegations",
        sa.Column("withdrawal_reason", sa.String(length=500), nullable=True),
        schema=SCHEMA,
    )
    op.create_table(
        "category_quotas",
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column("used", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "used >= 0 AND (quota IS NULL OR used <= quota)",
            name=op.f("ck_category_quotas_used_bounds"),
        ),
        sa.PrimaryKeyConstraint("delegation_id", "category", name=op.f("pk_category_quotas")),
        schema=SCHEMA,
    )
    op.create_table(
        "seats",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column(
            "claimed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_seats")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_seats_delegation_id"), "seats", ["delegation_id"], unique=False, schema=SCHEMA
    )
    op.create_table(
        "focal_points",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column(
            "assigned_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focal_points")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_focal_points_delegation_id"),
        "focal_points",
        ["delegation_id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "uq_focal_points_active_email",
        "focal_points",
        ["delegation_id", "email"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "movements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("persons >= 1", name=op.f("ck_movements_persons_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movements")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_movements_delegation_id"),
        "movements",
        ["delegation_id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_movements_meeting_direction_time",
        "movements",
        ["meeting_id", "direction", "scheduled_at"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "accommodations",
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("hotel", sa.String(length=200), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("check_in", sa.Date(), nullable=False),
        sa.Column("check_out", sa.Date(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "rooms >= 1 AND check_out > check_in", name=op.f("ck_accommodations_stay_bounds")
        ),
        sa.PrimaryKeyConstraint("delegation_id", name=op.f("pk_accommodations")),
        schema=SCHEMA,
    )
    op.create_table(
        "liaison_officers",
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("delegation_id", name=op.f("pk_liaison_officers")),
        schema=SCHEMA,
    )
    # every accepted nomination so far holds a seat, counted in its category
    op.execute(
        "INSERT INTO delegation.seats (application_id, delegation_id, category, claimed_at) "
        "SELECT application_id, delegation_id, category, decided_at "
        "FROM delegation.nominations WHERE decision = 'accepted'"
    )
    op.execute(
        "INSERT INTO delegation.category_quotas (delegation_id, category, quota, used) "
        "SELECT delegation_id, category, NULL, count(*) "
        "FROM delegation.nominations WHERE decision = 'accepted' GROUP BY delegation_id, category"
    )


def downgrade() -> None:
    op.drop_table("liaison_officers", schema=SCHEMA)
    op.drop_table("accommodations", schema=SCHEMA)
    op.drop_index("ix_movements_meeting_direction_time", table_name="movements", schema=SCHEMA)
    op.drop_index(op.f("ix_movements_delegation_id"), table_name="movements", schema=SCHEMA)
    op.drop_table("movements", schema=SCHEMA)
    op.drop_index(
        "uq_focal_points_active_email",
        table_name="focal_points",
        schema=SCHEMA,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.drop_index(op.f("ix_focal_points_delegation_id"), table_name="focal_points", schema=SCHEMA)
    op.drop_table("focal_points", schema=SCHEMA)
    op.drop_index(op.f("ix_seats_delegation_id"), table_name="seats", schema=SCHEMA)
    op.drop_table("seats", schema=SCHEMA)
    op.drop_table("category_quotas", schema=SCHEMA)
    for column in (
        "withdrawal_reason",
        "withdrawn_by",
        "withdrawn_at",
        "session_seats",
        "names",
        "head_rank",
    ):
        op.drop_column("delegations", column, schema=SCHEMA)
