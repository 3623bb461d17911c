"""Meetings say whether nominees need security vetting.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "meetings",
        sa.Column("requires_vetting", sa.Boolean(), server_default="false", nullable=False),
        schema="scheduling",
    )


def downgrade() -> None:
    op.drop_column("meetings", "requires_vetting", schema="scheduling")
