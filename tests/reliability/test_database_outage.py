"""Postgres refusing connections (in recovery, SQLSTATE 57P03) holds events and answers 503."""

import asyncio
import contextlib

import httpx
import pytest
from fastapi import FastAPI
from postgres_proxy import PostgresProxy
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from test_messaging import FAST, recording_handler, relay_all

from plenary_shared.consumer import DEAD_LETTER_TYPE, EventConsumer
from plenary_shared.errors import install_error_handlers

HELD_SECONDS = 1.0


@pytest.fixture
async def proxy(scratch):
    """A proxy in front of the scratch database, passing through until told to refuse."""
    proxy = PostgresProxy(make_url(scratch.url))
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def proxied(scratch, proxy):
    """An engine on the scratch schema through the proxy (a new connection for each use)."""
    engine = create_async_engine(
        proxy.url().render_as_string(hide_password=False),
        poolclass=NullPool,
        connect_args={"server_settings": {"search_path": scratch.schema}},
    )
    yield engine
    await engine.dispose()


def consumer_on(engine, scratch, producer, handlers) -> EventConsumer:
    """The scratch consumer, its database reached through the proxy."""
    return EventConsumer(
        name=f"{scratch.schema}-consumer",
        engine=engine,
        tables=scratch.tables,
        source="/plenary/reltest",
        handlers=handlers,
        producer=producer,
        consumer_factory=scratch.consumer_factory(f"{scratch.schema}-consumer"),
        config=FAST,
    )


def api_on(engine, scratch) -> httpx.AsyncClient:
    """A service API writing through the engine, with the shared error handlers."""
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/v1/things", status_code=201)
    async def create() -> dict:
        async with engine.begin() as conn:
            await conn.execute(scratch.effects.insert().values(event_id="api", key="api", seq=0))
        return {}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def count(scratch, table, *where) -> int:
    async with scratch.engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(table).where(*where))


async def dead_letter_outbox_rows(scratch) -> int:
    o = scratch.tables.outbox
    return await count(scratch, o, o.c.event_type == DEAD_LETTER_TYPE)


@contextlib.asynccontextmanager
async def running(consumer):
    task = asyncio.create_task(consumer.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_for(condition, task, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert not task.done(), task.exception()
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def test_events_wait_out_a_database_in_recovery_and_are_handled_once_the_api_says_503(
    scratch, proxy, proxied, kafka
):
    n = 12
    for seq in range(n):
        await scratch.emit(key=f"k{seq % 4}", seq=seq)
    producer = scratch.producer()
    await producer.start()
    try:
        assert await relay_all(scratch, producer) == n
        handle, _ = recording_handler(scratch)
        consumer = consumer_on(proxied, scratch, producer, {"reltest.thing.happened": handle})
        api = api_on(proxied, scratch)

        proxy.refuse()
        async with running(consumer) as task:

            async def refused_again_and_again():
                return proxy.refused > 4 * FAST.max_attempts

            # the consumer keeps meeting the refusal, far beyond the attempts of a failing event
            await wait_for(refused_again_and_again, task)
            await asyncio.sleep(HELD_SECONDS)
            response = await api.post("/v1/things")
            assert response.status_code == 503, response.text
            seconds = int(response.headers["retry-after"])
            assert f"Try again in {seconds} seconds." in response.json()["detail"]
            assert await scratch.effect_count() == 0
            assert await count(scratch, scratch.tables.dead_letters) == 0
            assert await dead_letter_outbox_rows(scratch) == 0

            proxy.pass_through()

            async def all_handled():
                return await scratch.effect_count() == n

            await wait_for(all_handled, task)
        assert (await api.post("/v1/things")).status_code == 201
        await api.aclose()
    finally:
        await producer.stop()
    e = scratch.effects
    assert await count(scratch, e, e.c.event_id != "api") == n
    async with scratch.engine.connect() as conn:
        distinct = await conn.scalar(select(func.count(func.distinct(e.c.event_id))))
    assert distinct == n + 1  # each event's effect once, and the API's row
    assert await count(scratch, scratch.tables.dead_letters) == 0
    assert await dead_letter_outbox_rows(scratch) == 0
    assert await kafka.records(consumer.dead_letter_topic, idle_ms=500) == []


async def test_a_poison_event_meeting_an_outage_is_dead_lettered_once_row_and_record_together(
    scratch, proxy, proxied, kafka
):
    await scratch.emit(key="poison", seq=1, event_type="reltest.poison.arrived")
    calls = {"n": 0}

    async def poison(uow, event):
        calls["n"] += 1
        if calls["n"] == FAST.max_attempts:
            # the database goes into recovery just as the event has failed for the last time
            proxy.refuse(drop_existing=False)
        raise ValueError("cannot handle this one")

    producer = scratch.producer()
    await producer.start()
    try:
        assert await relay_all(scratch, producer) == 1
        consumer = consumer_on(proxied, scratch, producer, {"reltest.poison.arrived": poison})
        async with running(consumer) as task:

            async def refusing():
                return proxy.refusing

            await wait_for(refusing, task)
            await asyncio.sleep(1.5)
            assert not task.done(), task.exception()
            assert await count(scratch, scratch.tables.dead_letters) == 0
            assert await kafka.records(consumer.dead_letter_topic, idle_ms=500) == []

            proxy.pass_through()

            async def dead_lettered():
                return await count(scratch, scratch.tables.dead_letters) == 1

            await wait_for(dead_lettered, task)
        assert await dead_letter_outbox_rows(scratch) == 1
        assert await relay_all(scratch, producer) == 1
    finally:
        await producer.stop()
    assert calls["n"] == FAST.max_attempts
    assert await count(scratch, scratch.tables.dead_letters) == 1
    dead = await kafka.records(consumer.dead_letter_topic)
    assert len(dead) == 1
    assert b"ValueError: cannot handle this one" in dict(dead[0].headers)["dlq-error"]
    assert b"reltest.poison.arrived" in dead[0].value
