"""A void badge says why (replaced, revoked, withdrawn); badges of people already out are voided.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "badges",
        sa.Column("void_reason", sa.String(length=40), nullable=True),
        schema="registration",
    )
    op.execute(
        "UPDATE registration.badges SET void_reason = 'replaced' "
        "WHERE status = 'void' AND void_reason IS NULL"
    )
    # before badges were voided with the person, a revoked or withdrawn holder's badge read active
    op.execute(
        "UPDATE registration.badges b SET status = 'void', voided_at = now(), void_reason = a.state "
        "FROM registration.applications a "
        "WHERE a.id = b.application_id AND b.status = 'active' "
        "AND a.state IN ('revoked', 'withdrawn')"
    )


def downgrade() -> None:
    op.drop_column("badges", "void_reason", schema="registration")
