"""Accounts remember their holder's language, for e-mails such as password resets.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("language", sa.String(length=8), server_default="en", nullable=False),
        schema="registration",
    )


def downgrade() -> None:
    op.drop_column("accounts", "language", schema="registration")
