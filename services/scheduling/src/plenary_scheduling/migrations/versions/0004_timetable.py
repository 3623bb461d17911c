"""The timetable: venues, rooms, multilingual sessions with status and sequence, attendance,
heads of delegation in sessions, delegations (projection), schedule versions, bilateral requests.

Existing sessions keep their rooms: each meeting's venue becomes a venue, each free-text room
name a room of it (capacity unknown).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = "scheduling"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "venues",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=400), server_default="", nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
        schema=S,
    )
    op.create_index("ix_venues_meeting", "venues", ["meeting_id", "name"], unique=True, schema=S)
    op.create_table(
        "rooms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("venue_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("access_zone", sa.String(length=40), nullable=True),
        sa.Column(
            "languages",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("bilateral", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        schema=S,
    )
    op.create_index("ix_rooms_venue_name", "rooms", ["venue_id", "name"], unique=True, schema=S)
    op.create_index("ix_rooms_meeting", "rooms", ["meeting_id"], unique=False, schema=S)

    # sessions: rooms become references, titles per language, status, sequence, visibility
    for column in (
        sa.Column(
            "titles", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("visibility", sa.String(length=20), server_default="public", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="scheduled", nullable=False),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("bilateral_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
    ):
        op.add_column("sessions", column, schema=S)
    op.execute(
        """
        INSERT INTO scheduling.venues (id, meeting_id, name, city, timezone)
        SELECT gen_random_uuid(), m.id, m.venue, m.city, m.timezone
        FROM scheduling.meetings m
        WHERE EXISTS (SELECT 1 FROM scheduling.sessions s WHERE s.meeting_id = m.id)
        """
    )
    op.execute(
        """
        INSERT INTO scheduling.rooms (id, venue_id, meeting_id, name)
        SELECT gen_random_uuid(), v.id, v.meeting_id, r.room
        FROM scheduling.venues v
        JOIN (SELECT DISTINCT meeting_id, room FROM scheduling.sessions) r
          ON r.meeting_id = v.meeting_id
        """
    )
    op.execute(
        """
        UPDATE scheduling.sessions s SET room_id = r.id
        FROM scheduling.rooms r
        WHERE r.meeting_id = s.meeting_id AND r.name = s.room
        """
    )
    op.alter_column("sessions", "room_id", nullable=False, schema=S)
    op.drop_column("sessions", "room", schema=S)
    op.create_index(
        "ix_sessions_room_start", "sessions", ["room_id", "starts_at"], unique=False, schema=S
    )

    op.add_column(
        "participants",
        sa.Column("status", sa.String(length=20), server_default="accredited", nullable=False),
        schema=S,
    )
    op.add_column(
        "participants", sa.Column("calendar_token", sa.String(length=80), nullable=True), schema=S
    )
    op.execute(
        "UPDATE scheduling.participants SET calendar_token = "
        "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')"
    )
    op.alter_column("participants", "calendar_token", nullable=False, schema=S)
    op.create_index(
        "ix_participants_calendar_token",
        "participants",
        ["calendar_token"],
        unique=True,
        schema=S,
    )
    op.create_index(
        "ix_participants_delegation", "participants", ["delegation_id"], unique=False, schema=S
    )

    op.create_table(
        "attendance",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "application_id", name=op.f("pk_attendance")),
        schema=S,
    )
    op.create_index(
        "ix_attendance_application", "attendance", ["application_id"], unique=False, schema=S
    )
    op.create_index(
        "ix_attendance_delegation",
        "attendance",
        ["delegation_id", "session_id"],
        unique=False,
        schema=S,
    )
    op.create_table(
        "session_heads",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("delegation_id", sa.Uuid(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "delegation_id", name=op.f("pk_session_heads")),
        schema=S,
    )
    op.create_index(
        "ix_session_heads_delegation", "session_heads", ["delegation_id"], unique=False, schema=S
    )
    op.create_table(
        "delegations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "session_seats",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
        schema=S,
    )
    op.create_index("ix_delegations_meeting", "delegations", ["meeting_id"], unique=False, schema=S)
    op.create_table(
        "schedule_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), server_default="", nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column(
            "published_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_versions")),
        schema=S,
    )
    op.create_index(
        "ix_schedule_versions_meeting_number",
        "schedule_versions",
        ["meeting_id", "number"],
        unique=True,
        schema=S,
    )
    op.create_table(
        "bilateral_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("counterpart_id", sa.Uuid(), nullable=False),
        sa.Column("awaiting_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("slots", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("agenda", sa.String(length=300), server_default="", nullable=False),
        sa.Column("note", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bilateral_requests")),
        schema=S,
    )
    op.create_index(
        "ix_bilateral_requests_meeting",
        "bilateral_requests",
        ["meeting_id", "created_at"],
        unique=False,
        schema=S,
    )
    op.create_index(
        "ix_bilateral_requests_requester",
        "bilateral_requests",
        ["requester_id"],
        unique=False,
        schema=S,
    )
    op.create_index(
        "ix_bilateral_requests_counterpart",
        "bilateral_requests",
        ["counterpart_id"],
        unique=False,
        schema=S,
    )


def downgrade() -> None:
    for table in ("bilateral_requests", "schedule_versions", "delegations"):
        op.drop_table(table, schema=S)
    op.drop_table("session_heads", schema=S)
    op.drop_table("attendance", schema=S)
    op.drop_index("ix_participants_delegation", table_name="participants", schema=S)
    op.drop_index("ix_participants_calendar_token", table_name="participants", schema=S)
    op.drop_column("participants", "calendar_token", schema=S)
    op.drop_column("participants", "status", schema=S)
    op.drop_index("ix_sessions_room_start", table_name="sessions", schema=S)
    op.add_column("sessions", sa.Column("room", sa.String(length=200), nullable=True), schema=S)
    op.execute(
        "UPDATE scheduling.sessions s SET room = r.name FROM scheduling.rooms r WHERE r.id = s.room_id"
    )
    op.alter_column("sessions", "room", nullable=False, schema=S)
    for column in (
        "updated_at",
        "bilateral_id",
        "cancel_reason",
        "sequence",
        "status",
        "visibility",
        "room_id",
        "titles",
    ):
        op.drop_column("sessions", column, schema=S)
    op.drop_table("rooms", schema=S)
    op.drop_table("venues", schema=S)
