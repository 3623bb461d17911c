"""Alembic environment of the scheduling schema."""

from plenary_shared.migrations import run_env

from plenary_scheduling.adapters.tables import SCHEMA, metadata

run_env(metadata=metadata, schema=SCHEMA)
