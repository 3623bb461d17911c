"""Alembic environment of the notification schema."""

from plenary_shared.migrations import run_env

from plenary_notification.adapters.tables import SCHEMA, metadata

run_env(metadata=metadata, schema=SCHEMA)
