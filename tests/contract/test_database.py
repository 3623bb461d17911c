"""The migrated database matches the models, and each service's role reaches only its own schema."""

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_devstack.provision import SERVICES

pytestmark = pytest.mark.parametrize("service", SERVICES)


async def test_migrations_produce_exactly_the_declared_tables(platform, service):
    tables = importlib.import_module(f"plenary_{service}.adapters.tables")
    # as admin, whose default schema is not the service's, so alembic compares schema-qualified names
    admin = make_url(platform.postgres.admin_url).set(database=platform.database)
    engine = create_async_engine(admin)

    def differences(sync_conn):
        context = MigrationContext.configure(
            sync_conn,
            opts={
                "include_schemas": True,
                "include_name": lambda name, kind, _: kind != "schema" or name == service,
            },
        )
        return [
            d
            for d in compare_metadata(context, tables.metadata)
            if not (d[0] == "remove_table" and d[1].name == "alembic_version")
        ]

    async with engine.connect() as conn:
        assert await conn.run_sync(differences) == []
        version = await conn.exec_driver_sql(f"SELECT version_num FROM {service}.alembic_version")
        assert version.scalar() == _head(service)
    await engine.dispose()


def _head(service: str) -> str:
    config = Config()
    config.set_main_option("script_location", f"plenary_{service}:migrations")
    return ScriptDirectory.from_config(config).get_current_head()


async def test_a_service_role_cannot_read_another_schema(platform, service):
    engine = create_async_engine(platform.service_urls[service])
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("SELECT current_schema()")).scalar() == service
        for other in SERVICES:
            if other == service:
                continue
            with pytest.raises(DBAPIError, match="permission denied"):
                await conn.exec_driver_sql(f"SELECT 1 FROM {other}.inbox LIMIT 1")
            await conn.rollback()
    await engine.dispose()
