"""Alembic environment of the scheduling schema."""

from plenary_scheduling.adapters.tables import SCHEMA, metadata
from plenary_shared.migrations import run_env

run_env(metadata=metadata, schema=SCHEMA)
