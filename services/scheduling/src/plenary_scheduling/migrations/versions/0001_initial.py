"""Initial scheduling schema: meetings, sessions, participants and the messaging tables.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from plenary_shared.migration_ops import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        schema="scheduling",
    )
    op.create_table(
        "participants",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("accredited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_participants")),
        schema="scheduling",
    )
    op.create_index(
        "ix_participants_meeting",
        "participants",
        ["meeting_id", "family_name"],
        unique=False,
        schema="scheduling",
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("format", sa.String(length=40), nullable=False),
        sa.Column("room", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        schema="scheduling",
    )
    op.create_index(
        "ix_sessions_meeting_start",
        "sessions",
        ["meeting_id", "starts_at"],
        unique=False,
        schema="scheduling",
    )
    create_messaging_tables_v1(schema="scheduling")


def downgrade() -> None:
    drop_messaging_tables_v1(schema="scheduling")
    op.drop_index("ix_sessions_meeting_start", table_name="sessions", schema="scheduling")
    op.drop_table("sessions", schema="scheduling")
    op.drop_index("ix_participants_meeting", table_name="participants", schema="scheduling")
    op.drop_table("participants", schema="scheduling")
    op.drop_table("meetings", schema="scheduling")
