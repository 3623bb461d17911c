"""Schedule changes wait as `batched` e-mails until each person's burst is over: find them fast.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_emails_batched",
        "emails",
        ["recipient"],
        unique=False,
        schema="notification",
        postgresql_where=sa.text("status = 'batched'"),
    )


def downgrade() -> None:
    op.drop_index("ix_emails_batched", table_name="emails", schema="notification")
