"""Subscriptions by webhook, e-mail or stream (owned, scoped, with health and secret rotation); the stream's log; participants and attendance for session changes.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attendance",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "application_id", name=op.f("pk_attendance")),
        schema="notification",
    )
    op.create_index(
        "ix_attendance_application",
        "attendance",
        ["application_id"],
        unique=False,
        schema="notification",
    )
    op.create_table(
        "participants",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_participants")),
        schema="notification",
    )
    op.create_table(
        "stream_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("delegation_id", sa.Uuid(), nullable=True),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("envelope", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_stream_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_stream_events_event_id")),
        schema="notification",
    )
    op.create_index(
        "ix_stream_events_application",
        "stream_events",
        ["application_id", "seq"],
        unique=False,
        schema="notification",
    )
    op.create_index(
        "ix_stream_events_delegation",
        "stream_events",
        ["delegation_id", "seq"],
        unique=False,
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column("owner_role", sa.String(length=40), server_default="organiser", nullable=False),
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column("email", sa.String(length=320), nullable=True),
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column("language", sa.String(length=8), server_default="en", nullable=False),
        schema="notification",
    )
    op.add_column(
        "subscriptions", sa.Column("delegation_id", sa.Uuid(), nullable=True), schema="notification"
    )
    op.add_column(
        "subscriptions",
        sa.Column("application_id", sa.Uuid(), nullable=True),
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column("previous_secret", sa.String(length=200), nullable=True),
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        schema="notification",
    )
    op.add_column(
        "subscriptions",
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        schema="notification",
    )
    op.alter_column(
        "subscriptions", "url", existing_type=sa.TEXT(), nullable=True, schema="notification"
    )
    op.create_index(
        "ix_subscriptions_owner",
        "subscriptions",
        ["owner", "created_at"],
        unique=False,
        schema="notification",
    )


def downgrade() -> None:
    op.drop_index("ix_subscriptions_owner", table_name="subscriptions", schema="notification")
    op.alter_column(
        "subscriptions", "url", existing_type=sa.TEXT(), nullable=False, schema="notification"
    )
    op.drop_column("subscriptions", "updated_at", schema="notification")
    op.drop_column("subscriptions", "last_success_at", schema="notification")
    op.drop_column("subscriptions", "failing_since", schema="notification")
    op.drop_column("subscriptions", "contact_email", schema="notification")
    op.drop_column("subscriptions", "status_reason", schema="notification")
    op.drop_column("subscriptions", "previous_secret_expires_at", schema="notification")
    op.drop_column("subscriptions", "previous_secret", schema="notification")
    op.drop_column("subscriptions", "application_id", schema="notification")
    op.drop_column("subscriptions", "delegation_id", schema="notification")
    op.drop_column("subscriptions", "language", schema="notification")
    op.drop_column("subscriptions", "email", schema="notification")
    op.drop_column("subscriptions", "owner_role", schema="notification")
    op.drop_index("ix_stream_events_delegation", table_name="stream_events", schema="notification")
    op.drop_index("ix_stream_events_application", table_name="stream_events", schema="notification")
    op.drop_table("stream_events", schema="notification")
    op.drop_table("participants", schema="notification")
    op.drop_index("ix_attendance_application", table_name="attendance", schema="notification")
    op.drop_table("attendance", schema="notification")
