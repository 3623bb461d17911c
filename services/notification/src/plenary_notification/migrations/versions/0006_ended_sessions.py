"""Ended sessions: tokens of a session signed out are refused.

Revision ID: 0006
Revises: 0005
"""

from plenary_shared.migration_ops import create_ended_sessions_v1, drop_ended_sessions_v1

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_ended_sessions_v1(schema="notification")


def downgrade() -> None:
    drop_ended_sessions_v1(schema="notification")
