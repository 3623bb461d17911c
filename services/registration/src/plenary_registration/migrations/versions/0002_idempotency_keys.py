"""Idempotency keys: a retried command returns its first result.

Revision ID: 0002
Revises: 0001
"""

from plenary_shared.migration_ops import create_idempotency_keys_v1, drop_idempotency_keys_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_keys_v1(schema="registration")


def downgrade() -> None:
    drop_idempotency_keys_v1(schema="registration")
