"""`make bench`: nominations, conflict checks, fan-out to 5,000, an import backlog, the portal.

Starts its own platform (fresh database `plenary_bench`, free ports, default timings), then
nominates participants one at a time and prints the figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx

from plenary_devstack import bench_notification, bench_portal, bench_scheduling, bench_world, infra
from plenary_devstack.receiver import WebhookReceiver
from plenary_devstack.stack import Platform


def nomination_latency(platform: Platform, *, count: int) -> dict[str, list[float]]:
    """Seconds from 202 to the webhook of `submitted` and of `nominated`, per nomination."""
    assert platform.keys is not None
    auth = {"Authorization": f"Bearer {platform.keys.token('organiser', subject='bench')}"}
    receiver = WebhookReceiver()
    with httpx.Client(headers=auth, timeout=30) as http:
        sub = http.post(
            f"{platform.url('notification')}/v1/subscriptions",
            json={"url": receiver.url, "event_types": ["registration.application.*"]},
        ).json()
        receiver.secret = sub["secret"]
        meeting = bench_world.meeting(http, platform, "Benchmark meeting")
        delegation = http.post(
            f"{platform.url('delegation')}/v1/meetings/{meeting['id']}/delegations",
            json={"name": "Bench", "kind": "member", "quota": count + 10},
        ).json()
        timings: dict[str, list[float]] = {"submitted": [], "nominated": []}
        for i in range(count):
            response = http.post(
                f"{platform.url('registration')}/v1/meetings/{meeting['id']}/applications",
                json={
                    "delegation_id": delegation["id"],
                    "given_name": "Bench",
                    "family_name": f"N{i}",
                    "email": f"bench{i}@example.org",
                    "category": "delegate",
                    "nationality": "RUS",
                    "passport_number": f"BN{i:07d}",
                    "date_of_birth": "1980-01-01",
                },
            )
            accepted_at = time.monotonic()
            if response.status_code != 202:
                raise RuntimeError(f"nomination refused: {response.status_code} {response.text}")
            subject = response.json()["id"]
            for state in ("submitted", "nominated"):
                arrived = receiver.wait(
                    event_type=f"registration.application.{state}", subject=subject
                )
                timings[state].append(arrived.at - accepted_at)
    receiver.close()
    return timings


def _report(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
    return (
        f"{name:<48} n={len(ms)}  median {statistics.median(ms):7.1f} ms  "
        f"p95 {p95:7.1f} ms  min {ms[0]:6.1f} ms  max {ms[-1]:7.1f} ms"
    )


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--attendees", type=int, default=5000)
    parser.add_argument(
        "--lines", type=int, default=1000, help="CSV lines of the backlog benchmark"
    )
    parser.add_argument(
        "--only",
        choices=("nominations", "conflicts", "fanout", "backlog", "portal"),
        help="run one benchmark",
    )
    args = parser.parse_args()
    ports = {
        s: infra.free_port()
        for s in ("portal", "scheduling", "delegation", "registration", "notification")
    }
    platform = Platform(
        root=Path(".run/bench").resolve(),
        database="plenary_bench",
        ports=ports,
        broker_port=infra.free_port(),
        mail_port=infra.free_port(),
        mail_web_port=None,
        fresh_database=True,
        # the fan-out figure is for the change itself, not for waiting out a burst of edits
        extra_env={
            "NOTIFICATION_CHANGE_QUIET_SECONDS": "0",
            "NOTIFICATION_CHANGE_CHECK_SECONDS": "0.1",
        },
    )
    try:
        platform.start(say=lambda m: print(f"· {m}", flush=True))
        wanted = (
            {args.only}
            if args.only
            else {"nominations", "conflicts", "fanout", "backlog", "portal"}
        )
        timings: dict[str, list[float]] = {"submitted": [], "nominated": []}
        conflicts: dict[str, list[float]] = {}
        fanout: dict[str, float] = {}
        portal: dict[str, list[float]] = {}
        backlog: dict[str, float] = {}
        if "nominations" in wanted:
            timings = nomination_latency(platform, count=args.count)
        if "conflicts" in wanted:
            conflicts = bench_scheduling.conflict_check(
                scheduling_url=platform.url("scheduling"),
                database_url=platform.service_urls["scheduling"],
                token=platform.keys.token("organiser", subject="bench"),
            )
        if "fanout" in wanted:
            fanout = bench_notification.session_change_fanout(platform, attendees=args.attendees)
        if "backlog" in wanted:
            backlog = bench_notification.import_backlog(platform, lines=args.lines)
        if "portal" in wanted:
            portal = bench_portal.portal_figures(platform)
    finally:
        platform.stop()
    print()
    for state in ("submitted", "nominated"):
        if timings[state]:
            print(_report(f"202 -> webhook registration.application.{state}", timings[state]))
    for name, seconds in conflicts.items():
        print(_report(f"conflict dry-run: {name}", seconds))
    for name, seconds in fanout.items():
        print(f"session moved -> {name:<40} {seconds * 1000:9.0f} ms")
    for name, seconds in backlog.items():
        print(f"import of {args.lines} -> {name:<36} {seconds * 1000:9.0f} ms")
    for name, seconds in portal.items():
        print(_report(f"portal: {name}", seconds))


if __name__ == "__main__":
    main()
