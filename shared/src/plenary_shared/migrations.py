"""Alembic helpers: every service migrates its own schema with its version table inside it."""

from __future__ import annotations

import asyncio

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def upgrade(*, package: str, database_url: str, revision: str = "head") -> None:
    """Run a service's migrations (package such as `plenary_registration`) up to a revision."""
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, revision)


def run_env(*, metadata: MetaData, schema: str) -> None:
    """The body of a service's alembic env.py (online mode, asyncpg)."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("the alembic config names no sqlalchemy.url")

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=False,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(
            url, poolclass=pool.NullPool, connect_args={"server_settings": {"search_path": schema}}
        )
        async with engine.connect() as conn:
            await conn.run_sync(migrate)
            await conn.commit()
        await engine.dispose()

    asyncio.run(main())
