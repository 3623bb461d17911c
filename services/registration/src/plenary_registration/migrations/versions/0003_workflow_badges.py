"""Registration workflow: meetings projection (vetting, end date), more application fields,
vetting state, badges and check-ins.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "badges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("badge_number", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("colour", sa.String(length=20), nullable=False),
        sa.Column("zones", sa.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("replaces", sa.Uuid(), nullable=True),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badges")),
        sa.UniqueConstraint("badge_number", name=op.f("uq_badges_badge_number")),
        schema="registration",
    )
    op.create_index(
        "ix_badges_application", "badges", ["application_id"], unique=False, schema="registration"
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scan_key", sa.String(length=128), nullable=False),
        sa.Column("badge_id", sa.Uuid(), nullable=True),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column("zone", sa.String(length=40), nullable=False),
        sa.Column("checkpoint", sa.String(length=100), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column(
            "scanned_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("scan_key", name=op.f("uq_checkins_scan_key")),
        schema="registration",
    )
    op.create_index(
        "ix_checkins_application",
        "checkins",
        ["application_id", "scanned_at"],
        unique=False,
        schema="registration",
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("requires_vetting", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        schema="registration",
    )
    op.add_column(
        "applications",
        sa.Column("passport_expiry_enc", sa.LargeBinary(), nullable=True),
        schema="registration",
    )
    op.add_column(
        "applications",
        sa.Column("given_name_native", sa.String(length=200), nullable=True),
        schema="registration",
    )
    op.add_column(
        "applications",
        sa.Column("family_name_native", sa.String(length=200), nullable=True),
        schema="registration",
    )
    op.add_column(
        "applications",
        sa.Column("position", sa.String(length=200), nullable=True),
        schema="registration",
    )
    op.add_column(
        "applications",
        sa.Column("phone", sa.String(length=40), nullable=True),
        schema="registration",
    )
    op.add_column(
        "applications",
        sa.Column("dietary", sa.String(length=500), nullable=True),
        schema="registration",
    )
    op.add_column(
        "applications",
        sa.Column("accessibility", sa.String(length=500), nullable=True),
        schema="registration",
    )
    op.add_column(
        "applications", sa.Column("photo", sa.LargeBinary(), nullable=True), schema="registration"
    )
    op.add_column(
        "applications",
        sa.Column("photo_type", sa.String(length=40), nullable=True),
        schema="registration",
    )
    op.add_column(
        "applications",
        sa.Column("language", sa.String(length=8), server_default="en", nullable=False),
        schema="registration",
    )
    op.add_column(
        "applications",
        sa.Column("vetting", sa.String(length=20), server_default="not_required", nullable=False),
        schema="registration",
    )
    op.add_column(
        "applications", sa.Column("vetting_note", sa.Text(), nullable=True), schema="registration"
    )


def downgrade() -> None:
    op.drop_column("applications", "vetting_note", schema="registration")
    op.drop_column("applications", "vetting", schema="registration")
    op.drop_column("applications", "language", schema="registration")
    op.drop_column("applications", "photo_type", schema="registration")
    op.drop_column("applications", "photo", schema="registration")
    op.drop_column("applications", "accessibility", schema="registration")
    op.drop_column("applications", "dietary", schema="registration")
    op.drop_column("applications", "phone", schema="registration")
    op.drop_column("applications", "position", schema="registration")
    op.drop_column("applications", "family_name_native", schema="registration")
    op.drop_column("applications", "given_name_native", schema="registration")
    op.drop_column("applications", "passport_expiry_enc", schema="registration")
    op.drop_table("meetings", schema="registration")
    op.drop_index("ix_checkins_application", table_name="checkins", schema="registration")
    op.drop_table("checkins", schema="registration")
    op.drop_index("ix_badges_application", table_name="badges", schema="registration")
    op.drop_table("badges", schema="registration")
