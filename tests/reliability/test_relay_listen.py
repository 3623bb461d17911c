"""The outbox relay's LISTEN comes back after its connection is lost, and readiness reports it."""

import asyncio
import contextlib
import inspect
import time

import httpx
from postgres_proxy import PostgresProxy
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from plenary_shared import metrics
from plenary_shared.outbox import OutboxRelay

POLL = 300.0  # far beyond every wait here: only a NOTIFY can wake these relays in time
SERVICES = ("scheduling", "delegation", "registration", "notification")


async def eventually(probe, *, what: str, timeout: float = 10.0):
    """Until `probe()` (awaited if need be) is truthy; fail with `what` after a generous bound."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def unsent(scratch) -> int:
    o = scratch.tables.outbox
    async with scratch.engine.connect() as conn:
        return await conn.scalar(select(func.count()).where(o.c.sent_at.is_(None)))


async def all_sent(scratch) -> bool:
    return await unsent(scratch) == 0


async def listener_pids(scratch, relay: OutboxRelay, *, besides: int = 0) -> list[int]:
    """The backends named like the relay's LISTEN connection; none while `besides` is among them."""
    async with scratch.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :n"),
            {"n": relay.application_name},
        )
        pids = [r.pid for r in rows]
    return [] if besides in pids else pids


def gauge(relay: OutboxRelay) -> float:
    """The relay's plenary_relay_listening gauge."""
    return metrics.RELAY_LISTENING.labels(service=relay._outbox.schema)._value.get()


class WatchedRelay(OutboxRelay):
    """A relay that keeps every change of its `listening`, so a brief loss is seen too."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.changes: list[bool] = []

    def _set_listening(self, listening: bool) -> None:
        self.changes.append(listening)
        super()._set_listening(listening)


@contextlib.asynccontextmanager
async def running(scratch, database_url: str):
    """A relay on the scratch schema, polling only every five minutes."""
    producer = scratch.producer()
    await producer.start()
    relay = WatchedRelay(
        engine=scratch.engine,
        database_url=database_url,
        tables=scratch.tables,
        producer=producer,
        poll_seconds=POLL,
        reconnect_max_seconds=0.5,
    )
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: relay.listening, what="the relay to listen")
        yield relay
        assert not task.done(), task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await producer.stop()


async def test_a_terminated_listen_backend_is_replaced_and_notify_wakes_the_relay(scratch):
    async with running(scratch, scratch.url) as relay:
        [before] = await listener_pids(scratch, relay)
        async with scratch.engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
        await eventually(lambda: len(relay.changes) >= 3, what="the relay to listen again")
        assert relay.changes == [True, False, True] and relay.listening
        pids = await eventually(
            lambda: listener_pids(scratch, relay, besides=before), what="the old backend to end"
        )
        assert len(pids) == 1, "one LISTEN connection, a new one"
        await scratch.emit(key="after-restart", seq=1)
        await eventually(lambda: all_sent(scratch), what="the event published by NOTIFY")


@contextlib.asynccontextmanager
async def proxy_to(scratch):
    """A TCP proxy in front of the real Postgres that can cut connections and refuse new ones."""
    proxy = PostgresProxy(make_url(scratch.url))
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


def through(proxy: PostgresProxy) -> str:
    """The scratch database's URL through the proxy."""
    return proxy.url().render_as_string(hide_password=False)


async def test_an_event_committed_while_the_relay_cannot_listen_is_sent_on_reconnect(scratch):
    async with proxy_to(scratch) as proxy, running(scratch, through(proxy)) as relay:
        assert gauge(relay) == 1
        proxy.refuse()  # cuts the LISTEN connection, then "the database system is starting up"
        await eventually(lambda: not relay.listening, what="the relay to notice")
        assert gauge(relay) == 0
        await scratch.emit(key="during-outage", seq=1)  # its NOTIFY reaches nobody
        await asyncio.sleep(0.3)
        assert await unsent(scratch) == 1, "nothing woke the relay while it could not listen"
        proxy.pass_through()
        await eventually(lambda: relay.listening, what="the relay to listen again")
        assert gauge(relay) == 1
        await eventually(lambda: all_sent(scratch), what="the round right after reconnecting")
        await scratch.emit(key="after-outage", seq=2)
        await eventually(lambda: all_sent(scratch), what="the event published by NOTIFY")


async def test_readiness_and_metrics_report_each_service_relay_listening(platform):
    async with httpx.AsyncClient(timeout=5) as http:
        for service in SERVICES:
            answer = await http.get(platform.url(service) + "/readyz")
            assert answer.status_code == 200, answer.text
            assert answer.json()["checks"]["relay_listening"] is True, answer.text
            assert answer.json()["status"] == "ready", answer.text
            exposition = (await http.get(platform.url(service) + "/metrics")).text
            assert f'plenary_relay_listening{{service="{service}"}} 1.0' in exposition
