"""Ended sessions: tokens of a session signed out are refused.

Revision ID: 0005
Revises: 0004
"""

from plenary_shared.migration_ops import create_ended_sessions_v1, drop_ended_sessions_v1

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_ended_sessions_v1(schema="delegation")


def downgrade() -> None:
    drop_ended_sessions_v1(schema="delegation")
