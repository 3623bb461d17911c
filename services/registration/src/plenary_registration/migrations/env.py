"""Alembic environment of the registration schema."""

from plenary_shared.migrations import run_env

from plenary_registration.adapters.tables import SCHEMA, metadata

run_env(metadata=metadata, schema=SCHEMA)
