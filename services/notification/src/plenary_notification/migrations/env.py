"""Alembic environment of the notification schema."""

from plenary_notification.adapters.tables import SCHEMA, metadata
from plenary_shared.migrations import run_env

run_env(metadata=metadata, schema=SCHEMA)
