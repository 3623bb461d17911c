"""Waiting lists for session seats: per session and delegation, first come first served.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

S = "scheduling"


def upgrade() -> None:
    op.create_table(
        "session_waiting",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column(
            "waiting_since",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("session_id", "application_id"),
        schema=S,
    )
    op.create_index(
        "ix_session_waiting_line",
        "session_waiting",
        ["session_id", "delegation_id", "waiting_since"],
        schema=S,
    )
    op.create_index(
        "ix_session_waiting_application", "session_waiting", ["application_id"], schema=S
    )


def downgrade() -> None:
    op.drop_table("session_waiting", schema=S)
