"""Catch-up: each consuming service is stopped while a backlog of real events builds, then started.

The backlog is made through the platform itself: with scheduling, delegation and notification
stopped, registration takes the nominations; registration stops and delegation catches up on the
`submitted` events (deciding each); registration catches up on the decisions; the accreditations
granted next are scheduling's backlog; notification comes back last to all of it. Each service's
rate is what its inbox absorbed, from the start of the first transaction that wrote an inbox row
to the commit of the last (Postgres's own clocks), so start-up and the group join are left out.
Also: a replay of notification's topics from offset 0 into an empty database, through a copy of
the topics on a broker of its own.
"""

from __future__ import annotations

import asyncio
import importlib
import signal
import subprocess
import sys
import time
from datetime import datetime

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from plenary_devstack import bench_kafka, bench_load, bench_world, infra
from plenary_devstack.provision import SERVICES, provision
from plenary_devstack.stack import Platform
from plenary_shared import topics
from plenary_shared.kafka import ensure_topics
from plenary_shared.outbox import asyncpg_dsn
from plenary_shared.topic_keeper import marker_topic

REPLAY_DATABASE = "plenary_bench_replay"


def lanes(service: str) -> dict[str, tuple[str, ...]]:
    """Each consumer group of a service and its topics (the express lane reads the accounts)."""
    consumes = importlib.import_module(f"plenary_{service}.entrypoints.consumers").CONSUMES
    return {service: tuple(consumes), f"{service}.express": (topics.ACCOUNTS,)}


def consumed(service: str) -> tuple[str, ...]:
    """Every topic a service reads."""
    return tuple(t for lane in lanes(service).values() for t in lane)


async def _query(admin_url: str, database: str, sql: str, *args):
    conn = await asyncpg.connect(asyncpg_dsn(str(make_url(admin_url).set(database=database))))
    try:
        if not args and not sql.startswith("SELECT"):
            return await conn.execute(sql)  # simple protocol: DROP DATABASE refuses any other
        return await conn.fetchrow(sql, *args)
    finally:
        await conn.close()


class CatchUp:
    """The staged backlog on a running platform."""

    def __init__(self, platform: Platform, *, in_flight: int) -> None:
        assert platform.keys is not None and platform.postgres is not None
        self.platform = platform
        self.in_flight = in_flight
        self.admin_url = platform.postgres.admin_url
        self.headers = {
            "Authorization": f"Bearer {platform.keys.token('organiser', subject='bench')}"
        }

    def _row(self, sql: str, *args, database: str | None = None):
        return asyncio.run(_query(self.admin_url, database or self.platform.database, sql, *args))

    def _now(self) -> datetime:
        return self._row("SELECT clock_timestamp() AS now")["now"]

    def _wait_zero(self, sql: str, what: str, *, database: str | None = None) -> None:
        deadline = time.monotonic() + 300
        while (left := self._row(sql, database=database)["n"]) > 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{left} {what} after 300 s")
            time.sleep(0.2)

    def _published(self, service: str) -> None:
        self._wait_zero(
            f"SELECT count(*) AS n FROM {service}.outbox WHERE sent_at IS NULL",
            f"events of {service} unpublished",
        )

    def _absorbed(self, service: str, since: datetime, *, database: str | None = None) -> dict:
        """Wait until nothing is parked; what the inbox took since a moment, and how fast."""
        self._wait_zero(
            f"SELECT count(*) AS n FROM {service}.parked_events",
            f"events parked by {service}",
            database=database,
        )
        # the first row's transaction began at processed_at; the last one's commit is known when
        # the server tracks commit times (the benchmark turns that on), else its start is taken
        tracked = self._row("SELECT current_setting('track_commit_timestamp') = 'on' AS on")["on"]
        last = "pg_xact_commit_timestamp(xmin)" if tracked else "processed_at"
        row = self._row(
            f"SELECT count(*) AS n, min(processed_at) AS first, max({last}) AS last "
            f"FROM {service}.inbox WHERE processed_at > $1",
            since,
            database=database,
        )
        seconds = (row["last"] - row["first"]).total_seconds() if row["n"] else 0.0
        return {
            "events": row["n"],
            "seconds": seconds,
            "per_second": row["n"] / seconds if seconds else 0.0,
            "timed_by": f"first inbox transaction's start to the last's {'commit' if tracked else 'start'}",
        }

    def _restart(self, service: str) -> dict:
        """Start a stopped service; its catch-up on what waited for it."""
        assert self.platform.broker is not None
        since = self._now()
        began = time.monotonic()
        self.platform.start_service(service)
        self.platform.wait_ready((service,))
        bench_kafka.wait_caught_up(self.platform.broker.bootstrap, lanes(service))
        figures = self._absorbed(service, since)
        figures["seconds_from_start"] = time.monotonic() - began
        print(
            f"· {service} caught up on {figures['events']} events ({figures['per_second']:.0f}/s)",
            flush=True,
        )
        return figures

    def run(self, *, backlog: int) -> dict[str, dict]:
        """Build each service's backlog in turn and time its catch-up."""
        platform = self.platform
        assert platform.broker is not None
        registration = platform.url("registration")
        with httpx.Client(headers=self.headers, timeout=30) as http:
            meeting = bench_world.meeting(http, platform, "Catch-up benchmark")
            delegation = bench_world.delegation(
                http, platform, meeting, name="Backlog", quota=backlog + 10
            )
            url = f"{registration}/v1/meetings/{meeting['id']}/applications"
            body = bench_load.nomination(delegation["id"], 0, tag="CATCHUP")
            bench_world.until(lambda: http.post(url, json=body), 202)
        for service in SERVICES:
            bench_kafka.wait_caught_up(platform.broker.bootstrap, lanes(service))
        for service in ("scheduling", "delegation", "notification"):
            platform.stop_service(service)
        load = bench_load.post_all(
            [
                (url, bench_load.nomination(delegation["id"], n, tag="CATCHUP"))
                for n in range(1, backlog + 1)
            ],
            headers=self.headers,
            in_flight=self.in_flight,
        )
        self._published("registration")
        platform.stop_service("registration")
        figures = {"delegation": self._restart("delegation")}
        self._published("delegation")
        figures["registration"] = self._restart("registration")
        self._wait_zero(
            "SELECT count(*) AS n FROM registration.applications "
            f"WHERE delegation_id = '{delegation['id']}' AND state <> 'nominated'",
            "applications undecided",
        )
        bench_load.post_all(
            [
                (f"{registration}/v1/applications/{a}/decision", {"decision": "grant"})
                for a in load.ids()
            ],
            headers=self.headers,
            in_flight=self.in_flight,
        )
        bench_kafka.wait_caught_up(platform.broker.bootstrap, lanes("registration"))
        self._published("registration")
        figures["scheduling"] = self._restart("scheduling")
        figures["notification"] = self._restart("notification")
        # what notification queued meanwhile is sent before anything else is measured
        self._wait_zero(
            "SELECT count(*) AS n FROM notification.emails WHERE status = 'pending'",
            "e-mails pending",
        )
        self._wait_zero(
            "SELECT count(*) AS n FROM notification.deliveries WHERE status = 'pending'",
            "webhooks pending",
        )
        for service, found in figures.items():
            found["reference"] = bench_kafka.consume_rate(
                platform.broker.bootstrap, consumed(service)
            ).document()
        return figures

    def replay(self) -> dict:
        """Notification's topics copied to a broker of its own and read from offset 0 by a
        notification process on an empty database."""
        platform = self.platform
        assert platform.broker is not None and platform.keys is not None
        broker = infra.start_broker(
            port=infra.free_port(), log_file=platform.logs / "broker-replay.log"
        )
        process = None
        try:
            read = bench_kafka.copy_topics(
                platform.broker.bootstrap, broker.bootstrap, consumed("notification")
            )
            # the service's marker too, or it would take the copy for a broker that lost its data
            asyncio.run(
                ensure_topics(
                    broker.bootstrap,
                    [marker_topic("notification")],
                    partitions=1,
                    replication_factor=1,
                )
            )
            urls = provision(self.admin_url, database=REPLAY_DATABASE, fresh=True)
            env = platform.service_env("notification") | {
                "NOTIFICATION_DATABASE_URL": urls["notification"],
                "NOTIFICATION_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
                # the replay's e-mails go nowhere (nothing listens there), never to the catcher
                "NOTIFICATION_SMTP_PORT": str(infra.free_port()),
            }
            port = infra.free_port()
            since = self._now()
            began = time.monotonic()
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "plenary_notification.main:create_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=env,
                stdout=(platform.logs / "notification-replay.log").open("ab"),
                stderr=subprocess.STDOUT,
            )
            bench_kafka.wait_caught_up(broker.bootstrap, lanes("notification"))
            figures = self._absorbed("notification", since, database=REPLAY_DATABASE)
            figures["seconds_from_start"] = time.monotonic() - began
            figures["records"] = read.records
            figures["reference"] = bench_kafka.consume_rate(
                broker.bootstrap, consumed("notification")
            ).document()
            return figures
        finally:
            if process is not None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            broker.stop()
            self._row(
                f'DROP DATABASE IF EXISTS "{REPLAY_DATABASE}" WITH (FORCE)', database="postgres"
            )
