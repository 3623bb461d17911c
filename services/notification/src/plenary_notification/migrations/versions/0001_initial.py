"""Initial notification schema: subscriptions, deliveries, attempts and the messaging tables.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from plenary_shared.migration_ops import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "subscription_id", "event_id", name=op.f("uq_deliveries_subscription_id_event_id")
        ),
        schema="notification",
    )
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        unique=False,
        schema="notification",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_deliveries_subscription",
        "deliveries",
        ["subscription_id", "created_at"],
        unique=False,
        schema="notification",
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
        schema="notification",
    )
    op.create_index(
        op.f("ix_delivery_attempts_delivery_id"),
        "delivery_attempts",
        ["delivery_id"],
        unique=False,
        schema="notification",
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", sa.ARRAY(sa.String(length=200)), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        schema="notification",
    )
    create_messaging_tables_v1(schema="notification")


def downgrade() -> None:
    drop_messaging_tables_v1(schema="notification")
    op.drop_table("subscriptions", schema="notification")
    op.drop_index(
        op.f("ix_delivery_attempts_delivery_id"),
        table_name="delivery_attempts",
        schema="notification",
    )
    op.drop_table("delivery_attempts", schema="notification")
    op.drop_index("ix_deliveries_subscription", table_name="deliveries", schema="notification")
    op.drop_index(
        "ix_deliveries_due",
        table_name="deliveries",
        schema="notification",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("deliveries", schema="notification")
