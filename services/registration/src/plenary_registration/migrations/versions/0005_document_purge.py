"""Personal document data can be purged after a meeting; when it was is recorded.

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
    op.alter_column("applications", "passport_number_enc", nullable=True, schema="registration")
    op.alter_column("applications", "date_of_birth_enc", nullable=True, schema="registration")
    op.add_column(
        "applications",
        sa.Column("documents_purged_at", sa.DateTime(timezone=True), nullable=True),
        schema="registration",
    )
    op.add_column(
        "meetings",
        sa.Column("documents_purged_at", sa.DateTime(timezone=True), nullable=True),
        schema="registration",
    )


def downgrade() -> None:
    op.drop_column("meetings", "documents_purged_at", schema="registration")
    op.drop_column("applications", "documents_purged_at", schema="registration")
    # purged rows cannot get their data back; a downgrade keeps the columns nullable for them
