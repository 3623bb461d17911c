"""Creates the database, one schema and one role per service, and runs every service's migrations."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_shared.migrations import upgrade

SERVICES = ("scheduling", "delegation", "registration", "notification")


def role_name(service: str) -> str:
    """The database role of a service."""
    return f"plenary_{service}"


def service_url(admin_url: str, service: str, *, database: str, password: str | None = None) -> str:
    """The connection URL a service uses: its own role, its own schema only."""
    url = make_url(admin_url).set(
        username=role_name(service), password=password or role_name(service), database=database
    )
    return url.render_as_string(hide_password=False)


async def _create_database(admin_url: str, database: str, *, fresh: bool) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        if fresh:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        exists = await conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
        )
        if not exists:
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
    await engine.dispose()


def _literal(value: str) -> str:
    """A SQL string literal (DDL takes no bound parameters)."""
    return "'" + value.replace("'", "''") + "'"


async def _create_schemas(admin_url: str, database: str, passwords: Mapping[str, str]) -> None:
    engine = create_async_engine(
        make_url(admin_url).set(database=database), isolation_level="AUTOCOMMIT"
    )
    async with engine.connect() as conn:
        await conn.execute(text("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
        await conn.execute(text(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC'))
        for service in SERVICES:
            role = role_name(service)
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            )
            password = _literal(passwords.get(service, role))
            if not exists:
                await conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD {password}"))
            elif service in passwords:  # the operator's Secret is the truth: rotate to it
                await conn.execute(text(f"ALTER ROLE {role} PASSWORD {password}"))
            await conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
            await conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {service} AUTHORIZATION {role}"))
            await conn.execute(text(f"ALTER ROLE {role} SET search_path = {service}"))
    await engine.dispose()


def provision(
    admin_url: str,
    *,
    database: str,
    fresh: bool = False,
    passwords: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Database, schemas, roles and migrations; returns each service's own URL.

    A service's role gets its password from `passwords` (set again on every run), else its name.
    """
    passwords = passwords or {}
    asyncio.run(_create_database(admin_url, database, fresh=fresh))
    asyncio.run(_create_schemas(admin_url, database, passwords))
    urls = {}
    for service in SERVICES:
        urls[service] = service_url(
            admin_url, service, database=database, password=passwords.get(service)
        )
        upgrade(package=f"plenary_{service}", database_url=urls[service])
    return urls
