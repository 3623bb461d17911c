"""Alembic environment of the delegation schema."""

from plenary_delegation.adapters.tables import SCHEMA, metadata
from plenary_shared.migrations import run_env

run_env(metadata=metadata, schema=SCHEMA)
