"""Alembic environment of the delegation schema."""

from plenary_shared.migrations import run_env

from plenary_delegation.adapters.tables import SCHEMA, metadata

run_env(metadata=metadata, schema=SCHEMA)
