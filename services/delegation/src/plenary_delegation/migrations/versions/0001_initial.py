"""Initial delegation schema: meetings projection, delegations, nominations and the messaging tables.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from plenary_shared.migration_ops import create_messaging_tables_v1, drop_messaging_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country_code", sa.String(length=3), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("head_name", sa.String(length=200), nullable=True),
        sa.Column("head_title", sa.String(length=200), nullable=True),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("quota_used", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "quota_used <= quota AND quota_used >= 0", name=op.f("ck_delegations_quota_bounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
        sa.UniqueConstraint(
            "meeting_id", "country_code", name=op.f("uq_delegations_meeting_id_country_code")
        ),
        schema="delegation",
    )
    op.create_index(
        op.f("ix_delegations_meeting_id"),
        "delegations",
        ["meeting_id"],
        unique=False,
        schema="delegation",
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        schema="delegation",
    )
    op.create_table(
        "nominations",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=True),
        sa.Column(
            "decided_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_nominations")),
        schema="delegation",
    )
    op.create_index(
        op.f("ix_nominations_delegation_id"),
        "nominations",
        ["delegation_id"],
        unique=False,
        schema="delegation",
    )
    create_messaging_tables_v1(schema="delegation")


def downgrade() -> None:
    drop_messaging_tables_v1(schema="delegation")
    op.drop_index(
        op.f("ix_nominations_delegation_id"), table_name="nominations", schema="delegation"
    )
    op.drop_table("nominations", schema="delegation")
    op.drop_table("meetings", schema="delegation")
    op.drop_index(op.f("ix_delegations_meeting_id"), table_name="delegations", schema="delegation")
    op.drop_table("delegations", schema="delegation")
