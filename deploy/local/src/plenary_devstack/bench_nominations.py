"""Nominations under load: decided per second, HTTP accept rate, CPU and SQL per nomination.

A webhook receiver subscribed to `registration.application.nominated` tells when each one is
decided and announced; the load generator keeps a fixed number of nominations in flight.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

import httpx

from plenary_devstack import bench_cpu, bench_load, bench_sql, bench_world
from plenary_devstack.provision import SERVICES, role_name
from plenary_devstack.receiver import WebhookReceiver
from plenary_devstack.stack import Platform

NOMINATED = "registration.application.nominated"
# trailing work after the last webhook (its bookkeeping, offsets, the relay's marks) is counted
SETTLE_SECONDS = 2.0


@dataclass
class Run:
    """One batch: its load, and when the last of its nominations was announced decided."""

    load: bench_load.Load
    decided: float

    @property
    def count(self) -> int:
        """Nominations in the batch."""
        return len(self.load.answers)

    @property
    def decided_per_second(self) -> float:
        """From the first request sent to the last `nominated` webhook received."""
        return self.count / (self.decided - self.load.started)


class Nominations:
    """A meeting, one delegation with room for every batch, and a receiver for the decisions."""

    def __init__(self, platform: Platform, *, in_flight: int) -> None:
        assert platform.keys is not None
        self.platform = platform
        self.in_flight = in_flight
        self.headers = {
            "Authorization": f"Bearer {platform.keys.token('organiser', subject='bench')}"
        }
        self.receiver = WebhookReceiver()
        self.http = httpx.Client(headers=self.headers, timeout=30)
        self.tag = uuid.uuid4().hex[:6].upper()
        self.sent = 0
        self.subscription = ""
        self.meeting_id = ""
        self.delegation_id = ""
        self.announced: dict[str, float] = {}
        self._seen = 0

    def prepare(self, *, quota: int, warm_up: int) -> None:
        """Subscribe, make the meeting and the delegation, and nominate a few to warm up."""
        sub = self.http.post(
            f"{self.platform.url('notification')}/v1/subscriptions",
            json={"url": self.receiver.url, "event_types": [NOMINATED]},
        ).json()
        self.receiver.secret, self.subscription = sub["secret"], sub["id"]
        meeting = bench_world.meeting(self.http, self.platform, "Nominations benchmark")
        self.meeting_id = meeting["id"]
        self.delegation_id = bench_world.delegation(
            self.http, self.platform, meeting, name="Bench", quota=quota
        )["id"]
        # registration learns of the delegation from delegation's event
        bench_world.until(lambda: self._post(self._body(self.sent)), 202)
        self.sent += 1
        self.run(warm_up)

    def _body(self, n: int) -> dict:
        return bench_load.nomination(self.delegation_id, n, tag=self.tag)

    def _post(self, body: dict) -> httpx.Response:
        url = f"{self.platform.url('registration')}/v1/meetings/{self.meeting_id}/applications"
        return self.http.post(url, json=body)

    def run(self, count: int) -> Run:
        """Nominate `count` participants, `in_flight` at a time; wait until all are announced."""
        url = f"{self.platform.url('registration')}/v1/meetings/{self.meeting_id}/applications"
        first, self.sent = self.sent, self.sent + count
        load = bench_load.post_all(
            [(url, self._body(n)) for n in range(first, first + count)],
            headers=self.headers,
            in_flight=self.in_flight,
        )
        wanted = set(load.ids())
        deadline = time.monotonic() + 300
        while missing := wanted - self.announced.keys():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(missing)} nominations never announced")
            with self.receiver.arrived:
                self.receiver.arrived.wait(0.2)
            self._read_arrivals()
        return Run(load, max(self.announced[a] for a in wanted))

    def _read_arrivals(self) -> None:
        """Note the webhooks received since last time (each parsed once: the bench uses CPU too)."""
        new = self.receiver.received[self._seen :]
        self._seen += len(new)
        for received in new:
            self.announced.setdefault(json.loads(received.body)["subject"], received.at)

    def measured(self, count: int, *, idle: bench_cpu.Reading) -> dict:
        """A batch with the CPU of every platform process measured over it, net of idle."""
        meter = bench_cpu.Meter(self.platform).start()
        run = self.run(count)
        time.sleep(SETTLE_SECONDS)
        cpu = meter.stop()
        idle_rate = idle.rate()
        net = {k: v - idle_rate.get(k, 0.0) * cpu.seconds for k, v in cpu.by_process.items()}
        return {
            "nominations": run.count,
            "in_flight": self.in_flight,
            "decided_per_second": run.decided_per_second,
            "accepted_per_second": run.load.per_second,
            "window_seconds": cpu.seconds,
            "cpu_ms_per_nomination": sum(net.values()) * 1000 / run.count,
            "cpu_ms_per_nomination_gross": cpu.total * 1000 / run.count,
            "cpu_ms_per_nomination_by_process": {
                k: v * 1000 / run.count for k, v in sorted(net.items())
            },
        }

    def statements(self, count: int, *, idle_seconds: float) -> dict:
        """A batch with every statement logged by Postgres; per nomination, net of idle."""
        postgres = self.platform.postgres
        assert postgres is not None and postgres.server is not None
        log = postgres.server.log
        roles = [role_name(s) for s in SERVICES]
        bench_sql.logging_on(postgres.admin_url)
        try:
            time.sleep(0.5)
            window = bench_sql.Window(log).start()
            began = time.monotonic()
            time.sleep(idle_seconds)
            quiet = window.stop()
            quiet_seconds = time.monotonic() - began
            window = bench_sql.Window(log).start()
            began = time.monotonic()
            run = self.run(count)
            time.sleep(SETTLE_SECONDS)
            busy = window.stop()
            busy_seconds = time.monotonic() - began
        finally:
            bench_sql.logging_off(postgres.admin_url)
        scale = busy_seconds / quiet_seconds

        def net(role: str) -> float:
            return (busy.by_role[role] - quiet.by_role[role] * scale) / run.count

        return {
            "nominations": run.count,
            "method": "log_statement=all in the server log, lines per database role, each"
            " pre-ping's unlogged ';' added",
            "per_nomination": sum(net(r) for r in roles),
            "per_nomination_gross": busy.total(roles) / run.count,
            "per_nomination_by_role": {r: net(r) for r in roles},
            "pre_ping_per_nomination": sum(busy.pings[r] - quiet.pings[r] * scale for r in roles)
            / run.count,
            "idle_per_second": quiet.total(roles) / quiet_seconds,
        }

    def close(self) -> None:
        """Remove the subscription and stop the receiver."""
        self.http.delete(
            f"{self.platform.url('notification')}/v1/subscriptions/{self.subscription}"
        )
        self.http.close()
        self.receiver.close()


def sequential(platform: Platform, *, count: int) -> dict[str, list[float]]:
    """One nomination at a time: seconds from its 202 to the webhook of `submitted` and of
    `nominated`."""
    assert platform.keys is not None
    auth = {"Authorization": f"Bearer {platform.keys.token('organiser', subject='bench')}"}
    receiver = WebhookReceiver()
    tag = uuid.uuid4().hex[:6].upper()
    with httpx.Client(headers=auth, timeout=30) as http:
        sub = http.post(
            f"{platform.url('notification')}/v1/subscriptions",
            json={"url": receiver.url, "event_types": ["registration.application.*"]},
        ).json()
        receiver.secret = sub["secret"]
        meeting = bench_world.meeting(http, platform, "Benchmark meeting")
        delegation = bench_world.delegation(http, platform, meeting, name="Bench", quota=count + 10)
        url = f"{platform.url('registration')}/v1/meetings/{meeting['id']}/applications"
        timings: dict[str, list[float]] = {"submitted": [], "nominated": []}
        for i in range(count):
            body = bench_load.nomination(delegation["id"], i, tag=tag)
            response = bench_world.until(lambda body=body: http.post(url, json=body), 202)
            accepted_at = time.monotonic()
            subject = response.json()["id"]
            for state in ("submitted", "nominated"):
                arrived = receiver.wait(
                    event_type=f"registration.application.{state}", subject=subject
                )
                timings[state].append(arrived.at - accepted_at)
        http.delete(f"{platform.url('notification')}/v1/subscriptions/{sub['id']}")
    receiver.close()
    return timings
