"""`make bench`: Plenary measured side by side with a reference, in one run, on one Postgres and
one broker; one table printed, the full figures written as JSON under .run/bench/.

Starts its own platform (fresh database `plenary_bench`, free ports, default timings). Each
reference is measured in the same run: pgbench running the seat claim's transaction, a bare
FastAPI endpoint, raw aiokafka consumes and produce -> consume hops. It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from plenary_devstack import (
    bench_bare,
    bench_catchup,
    bench_cpu,
    bench_load,
    bench_nominations,
    bench_notification,
    bench_pgbench,
    bench_portal,
    bench_scheduling,
    bench_sql,
    bench_webhook,
    infra,
)
from plenary_devstack.bench_report import percentile, row_document, table, write
from plenary_devstack.bench_rows import notes, other_lines, rows
from plenary_devstack.stack import Platform
from plenary_shared.logging import configure_logging
from plenary_shared.outbox import asyncpg_dsn
from plenary_shared.settings import ServiceSettings

PARTS = (
    "nominations",
    "pgbench",
    "http",
    "catchup",
    "replay",
    "latency",
    "fanout",
    "idle",
    "sequential",
    "conflicts",
    "backlog",
    "portal",
)
ROOT = Path(".run/bench")


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=400, help="nominations of the timed batch")
    parser.add_argument("--in-flight", type=int, default=8, help="requests in flight at once")
    parser.add_argument(
        "--statements", type=int, default=100, help="nominations of the batch whose SQL is counted"
    )
    parser.add_argument("--idle-seconds", type=float, default=10)
    parser.add_argument("--pgbench-seconds", type=float, default=10)
    parser.add_argument(
        "--backlog", type=int, default=3000, help="nominations behind each catch-up"
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[50, 200], help="events/s")
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument("--attendees", type=int, default=5000)
    parser.add_argument("--sequential", type=int, default=50, help="nominations one at a time")
    parser.add_argument(
        "--lines", type=int, default=1000, help="CSV lines of the backlog benchmark"
    )
    parser.add_argument("--only", nargs="+", choices=PARTS, help="run these parts only")
    return parser.parse_args()


def _commit_times_on(data_dir: Path) -> None:
    """Have the embedded server keep commit times (read by the catch-up): set while it runs, in
    effect once the platform starts it again."""
    if os.environ.get("DATABASE_URL"):
        return
    _forget_dead_handles(data_dir)
    postgres = infra.start_postgres(data_dir)

    async def alter() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(postgres.admin_url))
        try:
            await conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
            for name in bench_sql.SETTINGS:  # a run that was stopped may have left them on
                await conn.execute(f"ALTER SYSTEM RESET {name}")
        finally:
            await conn.close()

    try:
        asyncio.run(alter())
    finally:
        postgres.stop()
    if (data_dir / "postmaster.pid").exists():
        raise RuntimeError(f"the Postgres of {data_dir} did not stop; stop it, then run again")


def _forget_dead_handles(data_dir: Path) -> None:
    """Drop processes that died without letting go of the embedded server from its handle list;
    while one is listed, the server outlives every run."""
    handles = data_dir / ".handle_pids.json"
    if handles.exists():
        alive = [pid for pid in json.loads(handles.read_text()) if Path(f"/proc/{pid}").exists()]
        handles.write_text(json.dumps(alive))


def _platform() -> Platform:
    return Platform(
        root=ROOT.resolve(),
        database="plenary_bench",
        ports={
            s: infra.free_port()
            for s in ("portal", "scheduling", "delegation", "registration", "notification")
        },
        broker_port=infra.free_port(),
        mail_port=infra.free_port(),
        mail_web_port=None,
        fresh_database=True,
        # the fan-out figure is for the change itself, not for waiting out a burst of edits
        extra_env={"NOTIFICATION_CHANGE_QUIET_SECONDS": "0"},
    )


def say(message: str) -> None:
    """Progress, as it happens."""
    print(f"· {message}", flush=True)


class Bench:
    """The parts asked for, in an order that keeps each from disturbing the next."""

    def __init__(self, platform: Platform, args: argparse.Namespace) -> None:
        self.platform = platform
        self.args = args
        self.wanted = set(args.only or PARTS)
        self.figures: dict = {}
        self.idle: bench_cpu.Reading | None = None
        self.settings = ServiceSettings()
        # a platform nobody has asked anything of for this long is idle: its lanes have taken
        # the long fetch wait `kafka_idle_after_seconds` after their last record
        self.quiet_seconds = self.settings.kafka_idle_after_seconds + 3

    def run(self) -> None:
        """Every part wanted; the figures land in `self.figures`."""
        args, wanted = self.args, self.wanted
        nominations = None
        if "nominations" in wanted:
            say("nominations: warming up")
            nominations = bench_nominations.Nominations(self.platform, in_flight=args.in_flight)
            nominations.prepare(
                quota=args.count + args.statements + 100, warm_up=2 * args.in_flight
            )
        if wanted & {"nominations", "pgbench", "idle"}:
            self.measure_idle()
        if nominations is not None:
            assert self.idle is not None
            say(f"nominations: {args.count}, {args.in_flight} in flight, CPU measured")
            self.figures["nominations"] = nominations.measured(args.count, idle=self.idle)
            say(f"nominations: {args.statements}, every statement logged")
            self.figures["statements"] = nominations.statements(args.statements, idle_seconds=5)
            nominations.close()
        if "pgbench" in wanted:
            self.pgbench()
        if "http" in wanted:
            self.bare_http()
        if wanted & {"catchup", "replay"}:
            catch_up = bench_catchup.CatchUp(self.platform, in_flight=args.in_flight)
            if "catchup" in wanted:
                say(f"catch-up: a backlog of {args.backlog} nominations")
                self.figures["catchup"] = catch_up.run(backlog=args.backlog)
            if "replay" in wanted:
                say("replay of notification's topics from offset 0 into an empty database")
                self.figures["replay"] = catch_up.replay()
        if "latency" in wanted:
            self.latency()
        self.existing()

    def measure_idle(self) -> None:
        """The whole platform's CPU while nobody asks anything of it."""
        time.sleep(self.quiet_seconds)
        say(f"idle platform: {self.args.idle_seconds:g} s")
        self.idle = idle = bench_cpu.idle(self.platform, seconds=self.args.idle_seconds)
        self.figures["idle"] = {
            "seconds": idle.seconds,
            "cpu_seconds_by_process": idle.by_process,
            "cpu_ms_per_second": idle.total * 1000 / idle.seconds,
            "percent_of_machine": idle.total / idle.seconds / bench_cpu.CPUS * 100,
            "cpus": bench_cpu.CPUS,
        }

    def latency(self) -> None:
        """Event -> webhook and the raw hop, at each rate."""
        args = self.args
        self.figures["latency"] = {}
        for rate in args.rates:
            say(f"event -> webhook at {rate:g} events/s for {args.latency_seconds:g} s")
            found, delivered = bench_webhook.latency(
                self.platform, rate=rate, seconds=args.latency_seconds
            )
            self.figures["latency"][f"{rate:g}"] = {
                "webhooks_per_second": delivered,
                **{
                    name: {
                        "events": len(seconds),
                        "p50_ms": percentile(seconds, 50) * 1000,
                        "p99_ms": percentile(seconds, 99) * 1000,
                        "max_ms": max(seconds) * 1000,
                    }
                    for name, seconds in found.items()
                },
            }
        quiet = self.quiet_seconds
        say(f"event -> webhook, a single event after {quiet:g} s of nothing, 3 times")
        seconds = bench_webhook.quiet_start(self.platform, samples=3, quiet_seconds=quiet)
        self.figures["latency_after_quiet"] = {
            "quiet_seconds": quiet,
            "ms": [s * 1000 for s in seconds],
            "idle_fetch_max_wait_ms": self.settings.kafka_idle_fetch_max_wait_ms,
        }

    def pgbench(self) -> None:
        """The seat claim's transaction run by pgbench: its rate, CPU and statements."""
        args, platform = self.args, self.platform
        say(f"pgbench: the seat claim, -c {args.in_flight}, {args.pgbench_seconds:g} s")
        result = bench_pgbench.run(platform, clients=args.in_flight, seconds=args.pgbench_seconds)
        idle_postgres = self.idle.rate().get("postgres", 0.0) if self.idle else 0.0
        cpu = result.cpu_pgbench + result.cpu_postgres - idle_postgres * result.seconds
        assert platform.postgres is not None
        bench_sql.logging_on(platform.postgres.admin_url)
        try:
            statements = bench_pgbench.statements_per_transaction(
                platform, clients=args.in_flight, per_client=25
            )
        finally:
            bench_sql.logging_off(platform.postgres.admin_url)
        self.figures["pgbench"] = {
            "clients": args.in_flight,
            "transactions": result.transactions,
            "tps": result.tps,
            "cpu_ms_per_transaction": cpu * 1000 / result.transactions,
            "cpu_seconds": {"pgbench": result.cpu_pgbench, "postgres": result.cpu_postgres},
            "statements_per_transaction": statements,
            "script": bench_pgbench.SCRIPT,
        }

    def bare_http(self) -> None:
        """The same load generator against a bare FastAPI endpoint."""
        args, platform = self.args, self.platform
        say(f"bare FastAPI endpoint: {args.count} POSTs, {args.in_flight} in flight")
        server = bench_bare.BareServer(platform.logs / "bare-fastapi.log")
        try:
            url = f"{server.url}/v1/meetings/{bench_pgbench.MEETING}/applications"
            delegation = bench_pgbench.DELEGATION

            def requests(tag: str, count: int) -> list:
                return [(url, bench_load.nomination(delegation, n, tag=tag)) for n in range(count)]

            headers = {"content-type": "application/json"}
            bench_load.post_all(requests("WARM", 100), headers=headers, in_flight=args.in_flight)
            load = bench_load.post_all(
                requests("BARE", args.count), headers=headers, in_flight=args.in_flight
            )
        finally:
            server.stop()
        self.figures["http"] = {"bare_fastapi_per_second": load.per_second, "requests": args.count}

    def existing(self) -> None:
        """The figures of before: fan-out, one-at-a-time latency, conflicts, import, portal."""
        args, platform, wanted = self.args, self.platform, self.wanted
        assert platform.keys is not None
        if "fanout" in wanted:
            say(f"fan-out: a session of {args.attendees} attendees moves")
            self.figures["fanout"] = bench_notification.session_change_fanout(
                platform, attendees=args.attendees
            )
        if "sequential" in wanted:
            say(f"nominations one at a time: {args.sequential}")
            self.figures["sequential"] = bench_nominations.sequential(
                platform, count=args.sequential
            )
        if "conflicts" in wanted:
            say("conflict dry-runs")
            self.figures["conflicts"] = bench_scheduling.conflict_check(
                scheduling_url=platform.url("scheduling"),
                database_url=platform.service_urls["scheduling"],
                token=platform.keys.token("organiser", subject="bench"),
            )
        if "backlog" in wanted:
            say(f"import of {args.lines} lines")
            self.figures["backlog"] = bench_notification.import_backlog(platform, lines=args.lines)
        if "portal" in wanted:
            say("portal")
            self.figures["portal"] = bench_portal.portal_figures(platform)


def main() -> None:
    """Run the benchmark, print the table, write the JSON."""
    args = _options()
    configure_logging(service="bench", level="WARNING", json=False)
    # a `kill` (or `timeout`) stops the platform too, as Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started, began, load_start = datetime.now(UTC), time.monotonic(), os.getloadavg()
    say(f"load average at start: {' '.join(f'{x:.2f}' for x in load_start)}")
    speed = bench_cpu.python_speed()
    say(f"CPU speed: 10 million Python additions in {speed:.2f} s of CPU")
    say("Postgres: commit times kept (the catch-up reads them)")
    _commit_times_on(ROOT.resolve() / "pgdata")
    platform = _platform()
    bench = Bench(platform, args)
    try:
        platform.start(say=say)
        bench.run()
    finally:
        platform.stop()
    load_end, seconds = os.getloadavg(), time.monotonic() - began
    found = rows(bench.figures, args)
    print()
    print(table(found))
    print("ratio = Plenary ÷ reference; met? compares Plenary with the target")
    for line in notes(bench.figures):
        print(f"  {line}")
    if others := other_lines(bench.figures, args):
        print()
        print("\n".join(others))
    print()
    print(
        f"load average at start {' '.join(f'{x:.2f}' for x in load_start)}, at end "
        f"{' '.join(f'{x:.2f}' for x in load_end)}; {seconds / 60:.1f} minutes; "
        f"10 million Python additions took {speed:.2f} s of CPU"
    )
    path = write(
        ROOT,
        {
            "started": started,
            "seconds": seconds,
            "load_average": {"start": load_start, "end": load_end},
            "python_additions_10m_cpu_seconds": speed,
            "cpus": bench_cpu.CPUS,
            "options": vars(args),
            "table": [row_document(r) for r in found],
            "figures": bench.figures,
            "methods": {
                "cpu": "utime+stime+cutime+cstime from /proc/<pid>/stat of each platform process "
                "and all its descendants (five services, the Postgres postmaster with every "
                "backend, the broker), read before and after; net of the idle rate measured "
                "before. The load generator, webhook receiver and mail catcher (this process) "
                "are not counted.",
                "statements": "log_statement=all (the embedded server has no "
                "pg_stat_statements); lines of the service roles counted, net of the idle "
                "rate, each pre-ping's unlogged ';' added",
                "catchup": "inbox rows from the first transaction's start to the last's commit "
                "(track_commit_timestamp)",
            },
        },
        at=started,
    )
    print(f"figures: {path}")


if __name__ == "__main__":
    main()
