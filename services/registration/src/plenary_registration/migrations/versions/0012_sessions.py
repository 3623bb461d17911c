"""Sessions: each sign-in is a session that signing out ends, and its token is then refused.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from plenary_shared.migration_ops import create_ended_sessions_v1, drop_ended_sessions_v1

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        schema="registration",
    )
    op.create_index(
        op.f("ix_sessions_account_id"),
        "sessions",
        ["account_id"],
        unique=False,
        schema="registration",
    )
    create_ended_sessions_v1(schema="registration")


def downgrade() -> None:
    drop_ended_sessions_v1(schema="registration")
    op.drop_table("sessions", schema="registration")
