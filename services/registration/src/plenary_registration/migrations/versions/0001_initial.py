"""Initial registration schema: delegations projection, applications, history and the messaging tables.

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
        "application_history",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_history")),
        schema="registration",
    )
    op.create_index(
        op.f("ix_application_history_application_id"),
        "application_history",
        ["application_id"],
        unique=False,
        schema="registration",
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("nationality", sa.String(length=3), nullable=False),
        sa.Column("passport_number_enc", sa.LargeBinary(), nullable=False),
        sa.Column("date_of_birth_enc", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("meeting_id", "email", name=op.f("uq_applications_meeting_id_email")),
        schema="registration",
    )
    op.create_index(
        "ix_applications_delegation",
        "applications",
        ["delegation_id"],
        unique=False,
        schema="registration",
    )
    op.create_index(
        "ix_applications_meeting_state",
        "applications",
        ["meeting_id", "state"],
        unique=False,
        schema="registration",
    )
    op.create_table(
        "delegations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
        schema="registration",
    )
    create_messaging_tables_v1(schema="registration")


def downgrade() -> None:
    drop_messaging_tables_v1(schema="registration")
    op.drop_table("delegations", schema="registration")
    op.drop_index("ix_applications_meeting_state", table_name="applications", schema="registration")
    op.drop_index("ix_applications_delegation", table_name="applications", schema="registration")
    op.drop_table("applications", schema="registration")
    op.drop_index(
        op.f("ix_application_history_application_id"),
        table_name="application_history",
        schema="registration",
    )
    op.drop_table("application_history", schema="registration")
