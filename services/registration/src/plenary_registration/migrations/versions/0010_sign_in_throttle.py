"""Sign-in and reset throttling: strikes and locks per e-mail address and per client address.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("strikes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_strike_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("action", "scope", "key", name=op.f("pk_sign_in_throttle")),
        schema="registration",
    )
    op.create_index(
        op.f("ix_sign_in_throttle_last_strike_at"),
        "sign_in_throttle",
        ["last_strike_at"],
        unique=False,
        schema="registration",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_sign_in_throttle_last_strike_at"),
        table_name="sign_in_throttle",
        schema="registration",
    )
    op.drop_table("sign_in_throttle", schema="registration")
