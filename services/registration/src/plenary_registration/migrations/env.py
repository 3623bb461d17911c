"""Alembic environment of the registration schema."""

from plenary_registration.adapters.tables import SCHEMA, metadata
from plenary_shared.migrations import run_env

run_env(metadata=metadata, schema=SCHEMA)
