"""E-mail: queued e-mails with their log, focal points and meetings as notification knows them, preferences.

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


def upgrade() -> None:
    op.create_table(
        "email_preferences",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("decisions", sa.String(length=20), server_default="immediate", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_email_preferences")),
        schema="notification",
    )
    op.create_table(
        "emails",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=500), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("context", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emails")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_emails_dedupe_key")),
        schema="notification",
    )
    op.create_index(
        "ix_emails_due",
        "emails",
        ["next_attempt_at"],
        unique=False,
        schema="notification",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_emails_recipient",
        "emails",
        ["recipient", "created_at"],
        unique=False,
        schema="notification",
    )
    op.create_table(
        "focal_points",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_focal_points")),
        schema="notification",
    )
    op.create_index(
        op.f("ix_focal_points_delegation_id"),
        "focal_points",
        ["delegation_id"],
        unique=False,
        schema="notification",
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        schema="notification",
    )


def downgrade() -> None:
    op.drop_table("meetings", schema="notification")
    op.drop_index(
        op.f("ix_focal_points_delegation_id"), table_name="focal_points", schema="notification"
    )
    op.drop_table("focal_points", schema="notification")
    op.drop_index("ix_emails_recipient", table_name="emails", schema="notification")
    op.drop_index(
        "ix_emails_due",
        table_name="emails",
        schema="notification",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("emails", schema="notification")
    op.drop_table("email_preferences", schema="notification")
