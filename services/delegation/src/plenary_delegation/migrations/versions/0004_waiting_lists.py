"""Waiting lists: a delegation's default, and each nomination's choice and place in line.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "delegation"


def upgrade() -> None:
    op.add_column(
        "delegations",
        sa.Column("waitlist_by_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        schema=SCHEMA,
    )
    op.add_column("nominations", sa.Column("waitlist", sa.Boolean(), nullable=True), schema=SCHEMA)
    op.add_column(
        "nominations",
        sa.Column("waitlisted_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    op.add_column(
        "nominations",
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_nominations_waiting",
        "nominations",
        ["delegation_id", "decision", "waitlisted_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("ix_nominations_waiting", table_name="nominations", schema=SCHEMA)
    op.drop_column("nominations", "promoted_at", schema=SCHEMA)
    op.drop_column("nominations", "waitlisted_at", schema=SCHEMA)
    op.drop_column("nominations", "waitlist", schema=SCHEMA)
    op.drop_column("delegations", "waitlist_by_default", schema=SCHEMA)
