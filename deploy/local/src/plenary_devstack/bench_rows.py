"""The rows of the side-by-side table, the notes under it, and the lines kept from before."""

from __future__ import annotations

import argparse
import statistics

from plenary_devstack import bench_webhook
from plenary_devstack.bench_report import Row, percentile

CATCH_UP_TARGET = 5000


def rows(figures: dict, args: argparse.Namespace) -> list[Row]:
    """The side-by-side table of whatever was measured."""
    found: list[Row] = []
    nominations, pgbench = figures.get("nominations"), figures.get("pgbench")
    statements, http = figures.get("statements"), figures.get("http")
    if nominations or pgbench:
        decided = nominations["decided_per_second"] if nominations else None
        tps = pgbench["tps"] if pgbench else None
        found.append(
            Row(
                f"nominations decided, {args.in_flight} in flight",
                decided or 0.0,
                "/s",
                tps,
                f"pgbench seat claim -c {args.in_flight}",
                "≥ 0.2x reference",
                decided / tps >= 0.2 if decided and tps else None,
            )
        )
    if nominations:
        cpu = nominations["cpu_ms_per_nomination"]
        found.append(
            Row(
                "CPU per nomination, every process, net of idle",
                cpu,
                "ms",
                pgbench["cpu_ms_per_transaction"] if pgbench else None,
                "per pgbench transaction",
                "≤ 8 ms",
                cpu <= 8,
            )
        )
    if statements:
        count = statements["per_nomination"]
        found.append(
            Row(
                "SQL statements per nomination, end to end",
                count,
                "",
                pgbench["statements_per_transaction"] if pgbench else None,
                "per pgbench transaction",
                "≤ 20",
                count <= 20,
            )
        )
    if nominations:
        found.append(
            Row(
                f"HTTP accept, registration POST, {args.in_flight} in flight",
                nominations["accepted_per_second"],
                "/s",
                http["bare_fastapi_per_second"] if http else None,
                "bare FastAPI POST",
            )
        )
    for service, caught in figures.get("catchup", {}).items():
        found.append(_catch_up_row(f"catch-up: {service}, {caught['events']:,} events", caught))
    if replay := figures.get("replay"):
        found.append(
            _catch_up_row(
                f"replay from offset 0, empty projection: notification, {replay['events']:,} events",
                replay,
            )
        )
    for rate, measured in figures.get("latency", {}).items():
        webhook, hop = measured["webhook"], measured["raw hop"]
        for q, limit in (("p50", 50), ("p99", 250)):
            value = webhook[f"{q}_ms"]
            at_target_rate = rate == "50"
            found.append(
                Row(
                    f"event -> webhook {q} at {rate} events/s",
                    value,
                    "ms",
                    hop[f"{q}_ms"],
                    "raw produce -> consume",
                    f"< {limit} ms" if at_target_rate else "—",
                    value < limit if at_target_rate else None,
                )
            )
    if fanout := figures.get("fanout"):
        handed_over = max(fanout.values())
        found.append(
            Row(
                f"{args.attendees:,}-attendee fan-out: every e-mail and the webhook handed over",
                handed_over,
                "s",
                target="< 5 s",
                met=handed_over < 5,
            )
        )
    if idle := figures.get("idle"):
        share = idle["percent_of_machine"]
        found.append(
            Row(
                f"idle platform, share of the machine ({idle['cpus']} cores)",
                share,
                "%",
                target="< 2 %",
                met=share < 2,
            )
        )
    return found


def _catch_up_row(what: str, caught: dict) -> Row:
    rate = caught["per_second"]
    return Row(
        what,
        rate,
        "/s",
        caught["reference"]["per_second"],
        "raw aiokafka consume from offset 0",
        f"≥ {CATCH_UP_TARGET:,}/s",
        rate >= CATCH_UP_TARGET,
    )


def notes(figures: dict) -> list[str]:
    """What the table's figures rest on, in a few lines."""
    found = []
    if nominations := figures.get("nominations"):
        by = ", ".join(
            f"{k} {_tenths(v)}" for k, v in nominations["cpu_ms_per_nomination_by_process"].items()
        )
        found.append(
            "nominations: decided = first request sent to the last `nominated` webhook received;"
            " CPU from /proc of every platform process and its children, net of idle"
            f" (gross {_tenths(nominations['cpu_ms_per_nomination_gross'])} ms); by process: {by}"
        )
    if statements := figures.get("statements"):
        by = ", ".join(
            f"{k.removeprefix('plenary_')} {_tenths(v)}"
            for k, v in statements["per_nomination_by_role"].items()
        )
        found.append(
            "SQL: every statement the service roles ran, from the Postgres log"
            " (log_statement=all; the wheel has no pg_stat_statements), net of idle"
            f" (gross {_tenths(statements['per_nomination_gross'])}); by service: {by};"
            f" pool pre-pings (BEGIN, ;, ROLLBACK) {_tenths(statements['pre_ping_per_nomination'])}"
            f"; idle {statements['idle_per_second']:.0f} statements/s"
        )
    if idle := figures.get("idle"):
        by = ", ".join(
            f"{k} {v * 1000 / idle['seconds']:.0f}"
            for k, v in idle["cpu_seconds_by_process"].items()
        )
        found.append(
            f"idle: {idle['cpu_ms_per_second']:.0f} ms CPU per second in all; by process: {by}"
        )
    if latency := figures.get("latency"):
        rates = ", ".join(
            f"{m['webhooks_per_second']:.0f}/s when sent {rate}/s" for rate, m in latency.items()
        )
        found.append(
            "event -> webhook: check-ins produced to registration.events, timed to the webhook's"
            f" arrival after {bench_webhook.LEAD_SECONDS:g} s at the rate untimed; webhooks"
            f" came at {rates}"
        )
    if quiet := figures.get("latency_after_quiet"):
        found.append(
            f"a single event after {quiet['quiet_seconds']:g} s of nothing: "
            + ", ".join(f"{ms:.0f}" for ms in quiet["ms"])
            + f" ms to its webhook (an idle lane's fetch is held up to"
            f" {quiet['idle_fetch_max_wait_ms']} ms; Tansu answers it late, Apache Kafka at once)"
        )
    if figures.get("catchup") or figures.get("replay"):
        found.append(
            "catch-up: inbox rows from the first absorbing transaction's start to the last's"
            " commit (Postgres clocks; start-up and group join left out)"
        )
    return found


def _tenths(value: float) -> str:
    """A figure to a tenth, with no minus sign on what rounds to nothing."""
    return f"{value:.1f}" if abs(value) >= 0.05 else "0.0"


def other_lines(figures: dict, args: argparse.Namespace) -> list[str]:
    """The figures kept from before, one line each."""
    lines = []
    for state, seconds in figures.get("sequential", {}).items():
        lines.append(_report(f"one at a time: 202 -> webhook application.{state}", seconds))
    for name, seconds in figures.get("conflicts", {}).items():
        lines.append(_report(f"conflict dry-run: {name}", seconds))
    for name, seconds in figures.get("fanout", {}).items():
        lines.append(f"session moved -> {name:<40} {seconds * 1000:9.0f} ms")
    for name, seconds in figures.get("backlog", {}).items():
        lines.append(f"import of {args.lines} -> {name:<36} {seconds * 1000:9.0f} ms")
    for name, seconds in figures.get("portal", {}).items():
        lines.append(_report(f"portal: {name}", seconds))
    return lines


def _report(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    return (
        f"{name:<48} n={len(ms)}  median {statistics.median(ms):7.1f} ms  "
        f"p95 {percentile(ms, 95):7.1f} ms  min {ms[0]:6.1f} ms  max {ms[-1]:7.1f} ms"
    )
