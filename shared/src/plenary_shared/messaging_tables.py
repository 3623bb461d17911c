"""Outbox, inbox, parked events, dead letters, idempotency keys and ended sessions: the same in
every service schema."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB


@dataclass(frozen=True)
class MessagingTables:
    """The messaging tables of one service schema."""

    schema: str
    outbox: Table
    inbox: Table
    parked: Table
    dead_letters: Table
    idempotency: Table
    ended_sessions: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    """Declare the messaging tables in a service's metadata."""
    now = func.now()
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("envelope", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
        Column("sent_at", DateTime(timezone=True)),
        Index("ix_outbox_unsent", "id", postgresql_where=text("sent_at IS NULL")),
        Index("ix_outbox_unsent_key", "key", "id", postgresql_where=text("sent_at IS NULL")),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(100), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=now),
        PrimaryKeyConstraint("consumer", "event_id"),
    )
    parked = Table(
        "parked_events",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(100), nullable=False),
        Column("key", String(200), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("envelope", JSONB, nullable=False),
        Column("reason", Text, nullable=False),
        Column("attempts", Integer, nullable=False, server_default="1"),
        Column("parked_at", DateTime(timezone=True), nullable=False, server_default=now),
        Column("retried_at", DateTime(timezone=True)),
        Index("ix_parked_events_consumer_key", "consumer", "key", "id"),
    )
    dead_letters = Table(
        "dead_letters",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(100)),
        Column("event_type", String(200)),
        Column("topic", String(200), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("key", String(200)),
        Column("value", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
        Column("replayed_at", DateTime(timezone=True)),
    )
    idempotency = Table(
        "idempotency_keys",
        metadata,
        Column("principal", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("scope", String(300), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("resource_id", String(200), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
        PrimaryKeyConstraint("principal", "key"),
    )
    # sessions signed out before their tokens expire (a row may go once the token has expired)
    ended_sessions = Table(
        "ended_sessions",
        metadata,
        Column("session_id", Uuid, primary_key=True),
        Column("expires_at", DateTime(timezone=True), nullable=False),
        Column("ended_at", DateTime(timezone=True), nullable=False, server_default=now),
        Index("ix_ended_sessions_expires_at", "expires_at"),
    )
    return MessagingTables(
        schema=str(metadata.schema),
        outbox=outbox,
        inbox=inbox,
        parked=parked,
        dead_letters=dead_letters,
        idempotency=idempotency,
        ended_sessions=ended_sessions,
    )
