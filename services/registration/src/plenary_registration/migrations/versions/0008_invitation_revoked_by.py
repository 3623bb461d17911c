"""Invitations record who revoked them, for the audit trail of who invited whom.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "invitations",
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        schema="registration",
    )


def downgrade() -> None:
    op.drop_column("invitations", "revoked_by", schema="registration")
