"""Initial notification schema: subscriptions, deliveries, attempts and the messaging tables.

Revision ID: 0001
Revises:
"""

from alembic import op

from plenary_notification.adapters.tables import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The first revision creates the tables as declared; later revisions spell out each change.
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
