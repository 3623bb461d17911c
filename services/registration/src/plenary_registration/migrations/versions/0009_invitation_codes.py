"""An invitation is accepted with a code e-mailed to its address, so a forwarded link is not enough.

Revision ID: 0009
Revises: 0008
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS: tuple[tuple[str, sa.types.TypeEngine, dict[str, Any]], ...] = (
    ("code_hash", sa.String(length=64), {}),
    ("code_expires_at", sa.DateTime(timezone=True), {}),
    ("code_sent_at", sa.DateTime(timezone=True), {}),
    ("code_attempts", sa.Integer(), {"server_default": "0", "nullable": False}),
    ("pending_password_hash", sa.String(length=200), {}),
)


def upgrade() -> None:
    for name, kind, extra in COLUMNS:
        op.add_column("invitations", sa.Column(name, kind, **extra), schema="registration")


def downgrade() -> None:
    for name, _, _ in COLUMNS:
        op.drop_column("invitations", name, schema="registration")
