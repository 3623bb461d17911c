"""A scratch schema and topic on the real Postgres and broker, for driving the messaging machinery."""

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import Column, DateTime, Integer, String, Table, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from plenary_shared.db import UnitOfWork, schema_metadata
from plenary_shared.events import EventPayload
from plenary_shared.kafka import ensure_topics, make_consumer, make_producer
from plenary_shared.messaging_tables import MessagingTables, messaging_tables


@dataclass
class Scratch:
    """A throwaway schema with the messaging tables, an effects table, and its own topic."""

    url: str
    schema: str
    topic: str
    bootstrap: str
    engine: AsyncEngine
    tables: MessagingTables
    effects: Table

    def payload(self, event_type: str = "reltest.thing.happened") -> type[EventPayload]:
        """A payload class published on this scratch topic."""
        topic = self.topic

        class Thing(EventPayload):
            seq: int
            key: str

        Thing.event_type = event_type
        Thing.topic = topic
        return Thing

    def uow(self) -> UnitOfWork:
        """A unit of work in the scratch schema."""
        return UnitOfWork(engine=self.engine, tables=self.tables, source="/plenary/reltest")

    async def emit(self, *, key: str, seq: int, event_type: str = "reltest.thing.happened") -> None:
        """Commit one event to the outbox."""
        async with self.uow() as uow:
            await uow.emit(self.payload(event_type)(seq=seq, key=key), subject=key)
            await uow.commit()

    async def effect_count(self) -> int:
        """How many effects handlers wrote."""
        async with self.engine.connect() as conn:
            return await conn.scalar(select(func.count()).select_from(self.effects))

    async def effect_seqs(self, key: str) -> list[int]:
        """The sequence numbers a key's effects were written in."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(self.effects.c.seq)
                .where(self.effects.c.key == key)
                .order_by(self.effects.c.id)
            )
            return [r.seq for r in rows]

    def consumer_factory(self, group: str):
        """A consumer-group member on the scratch topic."""
        return lambda **options: make_consumer(
            self.bootstrap, self.topic, group_id=group, **options
        )

    def producer(self):
        """A producer to the broker."""
        return make_producer(self.bootstrap)


@pytest.fixture
async def scratch(platform):
    """A fresh schema and topic per test."""
    name = f"reltest_{uuid.uuid4().hex[:8]}"
    url = (
        make_url(platform.postgres.admin_url)
        .set(database="plenary_test")
        .render_as_string(hide_password=False)
    )
    metadata = schema_metadata(name)
    tables = messaging_tables(metadata)
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(100), nullable=False),
        Column("key", String(100), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("at", DateTime(timezone=True), server_default=func.now()),
    )
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": name}})
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f"CREATE SCHEMA {name}")
        await conn.run_sync(metadata.create_all)
    topic = f"{name}.events"
    await ensure_topics(
        platform.broker.bootstrap,
        [topic, f"{name}-consumer.dlq"],
        partitions=3,
        replication_factor=1,
    )
    yield Scratch(
        url=url,
        schema=name,
        topic=topic,
        bootstrap=platform.broker.bootstrap,
        engine=engine,
        tables=tables,
        effects=effects,
    )
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
    await engine.dispose()
