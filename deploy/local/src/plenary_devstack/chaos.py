"""`make chaos`: nominations while services crash, Postgres restarts and the broker stalls or dies.

Starts its own platform (fresh database `plenary_chaos`, free ports, services reaching Postgres
through a proxy that can answer 57P03), subscribes a webhook receiver, then for each fault in turn
submits a batch of nominations with clients that retry under the same Idempotency-Key, injects
the fault while the batch is being submitted, and waits until every acknowledged nomination is
`nominated` and its webhook has arrived. Prints one line per fault; exits 1 on anything lost or
doubled.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from plenary_devstack import bench_world, infra
from plenary_devstack.pgproxy import ProxyThread
from plenary_devstack.provision import SERVICES
from plenary_devstack.receiver import WebhookReceiver
from plenary_devstack.stack import Platform

KILLS = tuple(f"kill-{s}" for s in ("registration", "scheduling", "delegation", "notification"))
FAULTS = (*KILLS, "postgres-restart", "broker-pause", "broker-replace")
NOMINATED = "registration.application.nominated"


@dataclass
class Options:
    """How big the run is and how long each fault lasts."""

    count: int = 2000
    in_flight: int = 24
    faults: tuple[str, ...] = FAULTS
    pause_seconds: float = 30
    hold_seconds: float = 10
    restart_after: float = 1.5
    # give up on convergence after this long without a single nomination converging
    patience: float = 180
    republish: bool = False


@dataclass
class Submission:
    """One nomination as the client saw it."""

    application_id: str | None
    retries: int
    refusal: str | None = None


@dataclass
class Outcome:
    """What one fault did to its batch of nominations."""

    fault: str
    evidence: str
    happened: bool
    submissions: list[Submission] = field(default_factory=list)
    delegation_id: str = ""
    lost: int = 0
    doubled: int = 0
    duplicate_deliveries: int = 0
    dead_letters: int = 0
    converged_in: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def acknowledged(self) -> list[str]:
        """Ids of the nominations answered 2xx."""
        return [s.application_id for s in self.submissions if s.application_id]

    @property
    def retries(self) -> int:
        """Requests sent again after an error, a 5xx or a timeout."""
        return sum(s.retries for s in self.submissions)


@contextlib.contextmanager
def stack(
    root: Path, *, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[Platform, ProxyThread]]:
    """A platform of its own on free ports, its services reaching Postgres through a proxy."""
    proxy = ProxyThread()
    platform = Platform(
        root=root.resolve(),
        database="plenary_chaos",
        ports={s: infra.free_port() for s in (*SERVICES, "portal")},
        broker_port=infra.free_port(),
        mail_port=infra.free_port(),
        mail_web_port=None,
        fresh_database=True,
        extra_env=dict(extra_env or {}),
        database_route=proxy.route,
    )
    try:
        platform.start(say=lambda m: print(f"· {m}", flush=True))
        yield platform, proxy
    finally:
        platform.stop()
        proxy.stop()


class Chaos:
    """The run itself: a meeting, a receiver, and one batch of nominations per fault."""

    def __init__(self, platform: Platform, proxy: ProxyThread, options: Options) -> None:
        assert platform.keys is not None
        self.platform = platform
        self.proxy = proxy
        self.options = options
        self.started = datetime.now(UTC)
        self.tag = uuid.uuid4().hex[:6].upper()
        token = platform.keys.token("organiser", subject="chaos")
        self.http = httpx.Client(
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            limits=httpx.Limits(max_connections=options.in_flight + 8),
        )
        self.receiver = WebhookReceiver()
        self.meeting_id = ""

    def close(self) -> None:
        """Stop the receiver and the client."""
        self.receiver.close()
        self.http.close()

    def prepare(self) -> None:
        """Subscribe the receiver to applications' events and create the meeting."""
        sub = self._ok(
            self.http.post(
                f"{self.platform.url('notification')}/v1/subscriptions",
                json={"url": self.receiver.url, "event_types": ["registration.application.*"]},
            )
        )
        self.receiver.secret = sub["secret"]
        self.meeting_id = bench_world.meeting(self.http, self.platform, "Chaos meeting")["id"]

    def run(self) -> list[Outcome]:
        """Every fault in turn, each during its own batch; then the final count."""
        self.prepare()
        faults = self.options.faults
        sizes = [self.options.count // len(faults)] * len(faults)
        sizes[0] += self.options.count - sum(sizes)
        outcomes = []
        for number, (fault, size) in enumerate(zip(faults, sizes, strict=True)):
            print(f"· {fault}: {size} nominations", flush=True)
            outcomes.append(self.one_fault(fault, size, first=sum(sizes[:number])))
        self._settle()
        for outcome in outcomes:
            self._count(outcome)
        return outcomes

    def one_fault(self, fault: str, size: int, *, first: int) -> Outcome:
        """A batch of nominations with the fault injected while it is being submitted."""
        delegation = self._ok(
            self.http.post(
                f"{self.platform.url('delegation')}/v1/meetings/{self.meeting_id}/delegations",
                json={"name": f"Chaos {fault}", "kind": "member", "quota": size + 10},
            )
        )
        dead_before = self._dead_letters()
        with ThreadPoolExecutor(self.options.in_flight) as pool:
            futures = [
                pool.submit(self._nominate, delegation["id"], first + i) for i in range(size)
            ]
            self._wait_for(lambda: finished(futures) >= max(1, size // 4))
            unanswered = size - finished(futures)
            evidence, happened = self.inject(fault)
            fault_ended = time.monotonic()
            submissions = [f.result() for f in futures]
        evidence = f"struck with {unanswered} of {size} nominations unanswered; {evidence}"
        happened = happened and unanswered > 0
        outcome = Outcome(fault, evidence, happened, submissions, delegation["id"])
        converged = self._converge(outcome)
        if converged is not None:
            outcome.converged_in = converged - fault_ended
        outcome.dead_letters = self._dead_letters() - dead_before
        return outcome

    def inject(self, fault: str) -> tuple[str, bool]:
        """Do the fault and undo it; returns what shows it happened, and whether it did."""
        if fault.startswith("kill-"):
            return self._kill(fault.removeprefix("kill-"))
        if fault == "postgres-restart":
            return self._restart_postgres()
        if fault == "broker-pause":
            return self._pause_broker()
        if fault == "broker-replace":
            return self._replace_broker()
        raise ValueError(f"no such fault: {fault}")

    def _kill(self, service: str) -> tuple[str, bool]:
        victim = self.platform.processes[service]
        self.platform.stop_service(service, kill=True)
        time.sleep(self.options.restart_after)
        self.platform.start_service(service)
        self.platform.wait_ready((service,))
        successor = self.platform.processes[service].pid
        killed = victim.returncode == -9
        evidence = f"pid {victim.pid} exit {victim.returncode}, now pid {successor}"
        return evidence, killed and successor != victim.pid

    def _restart_postgres(self) -> tuple[str, bool]:
        postgres = self.platform.postgres
        assert postgres is not None
        before, refused = postgres.pid(), self.proxy.refused
        held_until = time.monotonic() + self.options.hold_seconds
        self.proxy.refuse()
        postgres.restart_immediately()
        time.sleep(max(0.0, held_until - time.monotonic()))
        self.proxy.pass_through()
        after, refused = postgres.pid(), self.proxy.refused - refused
        evidence = f"postmaster {before} -> {after}, {refused} connections refused with 57P03"
        return evidence, before != after and refused > 0

    def _pause_broker(self) -> tuple[str, bool]:
        broker = self.platform.broker
        assert broker is not None and broker.process is not None
        broker.pause()
        try:
            time.sleep(min(1.0, self.options.pause_seconds))
            state = process_state(broker.process.pid)
            time.sleep(max(0.0, self.options.pause_seconds - 1.0))
        finally:
            broker.resume()
        return f"broker pid {broker.process.pid} state {state!r} while paused", state == "T"

    def _replace_broker(self) -> tuple[str, bool]:
        assert self.platform.broker is not None and self.platform.broker.process is not None
        before = self.platform.broker.process
        self.platform.replace_broker()
        after = self.platform.broker.process
        assert after is not None
        if self.options.republish:
            self._republish_everywhere()
        evidence = f"broker pid {before.pid} exit {before.returncode}, now pid {after.pid}"
        return evidence, before.returncode == -9 and after.poll() is None

    def _republish_everywhere(self) -> None:
        """The fallback of --republish: ask every service to publish its outbox again."""
        for service in SERVICES:
            self._ok(
                self.http.post(
                    f"{self.platform.url(service)}/v1/ops/outbox/republish",
                    json={"since": self.started.isoformat()},
                )
            )

    def _nominate(self, delegation_id: str, n: int) -> Submission:
        """Submit one nomination, retrying with the same key until it is acknowledged."""
        body = {
            "delegation_id": delegation_id,
            "given_name": "Chaos",
            "family_name": f"N{n}",
            "email": f"chaos{self.tag.lower()}{n}@example.org",
            "category": "delegate",
            "nationality": "RUS",
            "passport_number": f"C{self.tag}{n:07d}",
            "date_of_birth": "1980-01-01",
        }
        headers = {"Idempotency-Key": f"chaos-{self.tag}-{n}"}
        retries, gives_up = 0, time.monotonic() + self.options.patience
        while True:
            wait = min(2.0, 0.1 * 2**retries)
            url = f"{self.registration_url(n + retries)}/v1/meetings/{self.meeting_id}/applications"
            try:
                response = self.http.post(url, json=body, headers=headers)
                if response.is_success:
                    return Submission(response.json()["id"], retries)
                if response.status_code < 500 and response.status_code not in (409, 429):
                    return Submission(None, retries, f"{response.status_code} {response.text}")
                wait = min(5.0, float(response.headers.get("retry-after", wait)))
            except httpx.TransportError:
                pass
            if time.monotonic() > gives_up:
                return Submission(None, retries, "never acknowledged")
            retries += 1
            time.sleep(wait)

    def registration_url(self, attempt: int) -> str:
        """Where a nomination's `attempt`-th request goes (a scale-out run spreads them)."""
        return self.platform.url("registration")

    def _converge(self, outcome: Outcome) -> float | None:
        """When every acknowledged nomination was nominated with its webhook (None: never)."""
        wanted, best, last_progress = set(outcome.acknowledged), -1, time.monotonic()
        while True:
            done = len(self._converged(outcome.delegation_id, wanted))
            if done == len(wanted):
                return time.monotonic()
            if done > best:
                best, last_progress = done, time.monotonic()
            if time.monotonic() - last_progress > self.options.patience:
                return None
            time.sleep(0.5)

    def _converged(self, delegation_id: str, wanted: set[str]) -> set[str]:
        """The wanted nominations that are `nominated` and whose webhook arrived."""
        try:
            states = self._states(delegation_id)
        except (httpx.HTTPError, RuntimeError):
            return set()
        webhooked = {
            subject for (kind, subject) in self.receiver.webhook_ids() if kind == NOMINATED
        }
        return {a for a in wanted if states.get(a) == "nominated" and a in webhooked}

    def _states(self, delegation_id: str) -> dict[str, str]:
        """Every application of a delegation with its state, page by page."""
        url = f"{self.platform.url('registration')}/v1/meetings/{self.meeting_id}/applications"
        states: dict[str, str] = {}
        offset = 0
        while True:
            page = self._ok(
                self.http.get(
                    url, params={"delegation_id": delegation_id, "limit": 500, "offset": offset}
                )
            )
            states |= {item["id"]: item["state"] for item in page["items"]}
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return states

    def _settle(self) -> None:
        """Wait until no webhook has arrived for a few seconds, so late doubles are seen too."""
        quiet = 3.0
        seen, since = -1, time.monotonic()
        while time.monotonic() - since < quiet:
            if len(self.receiver.received) != seen:
                seen, since = len(self.receiver.received), time.monotonic()
            time.sleep(0.2)

    def _count(self, outcome: Outcome) -> None:
        """Lost, doubled and duplicate deliveries of one batch, at the end of the run."""
        acknowledged = set(outcome.acknowledged)
        states = self._states(outcome.delegation_id)
        converged = self._converged(outcome.delegation_id, acknowledged)
        outcome.lost = len(acknowledged - converged)
        extra_applications = max(0, len(states) - len(acknowledged))
        nominated = sum(1 for s in states.values() if s == "nominated")
        delegation = self._ok(
            self.http.get(
                f"{self.platform.url('delegation')}/v1/delegations/{outcome.delegation_id}"
            )
        )
        quota_gap = abs(delegation["quota_used"] - nominated)
        # while nominations are lost, seats taken for them are a symptom of the loss: only seats
        # beyond every acknowledged nomination are doubled then
        quota_doubled = (
            max(0, delegation["quota_used"] - len(acknowledged)) if outcome.lost else quota_gap
        )
        webhooks = {
            k: ids for k, ids in self.receiver.webhook_ids().items() if k[1] in acknowledged
        }
        twice = sum(len(ids) - 1 for ids in webhooks.values())
        outcome.doubled = extra_applications + quota_doubled + twice
        outcome.duplicate_deliveries = sum(n - 1 for ids in webhooks.values() for n in ids.values())
        outcome.notes.extend(
            f"{label}: {value}"
            for label, value in (
                ("applications beyond the acknowledged", extra_applications),
                ("quota_used differs from nominated by", quota_gap),
                ("events webhooked under a second webhook-id", twice),
            )
            if value
        )
        if outcome.lost:
            left = Counter(states.get(a, "missing") for a in acknowledged - converged)
            outcome.notes.append(f"lost, by state: {dict(left)}")
        self._note_refusals(outcome)

    @staticmethod
    def _note_refusals(outcome: Outcome) -> None:
        """Say how many nominations were never acknowledged, and the first answer why."""
        refused = [s.refusal for s in outcome.submissions if s.refusal]
        if refused:
            outcome.notes.append(f"never acknowledged: {len(refused)}, first: {refused[0][:200]}")

    def _dead_letters(self) -> int:
        """Dead letters across the four services."""
        return sum(
            self._ok(
                self.http.get(
                    f"{self.platform.url(service)}/v1/ops/dead-letters", params={"limit": 1}
                )
            )["total"]
            for service in SERVICES
        )

    def _wait_for(self, condition: Callable[[], bool]) -> None:
        while not condition():
            time.sleep(0.05)

    @staticmethod
    def _ok(response: httpx.Response) -> dict:
        if not response.is_success:
            raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
        return response.json()


def finished(futures) -> int:
    """How many submissions are over (acknowledged or given up)."""
    return sum(1 for f in futures if f.done())


def process_state(pid: int) -> str:
    """The state letter Linux shows for a process (T: stopped)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0]


def run(platform: Platform, proxy: ProxyThread, options: Options) -> list[Outcome]:
    """The faults of `options` against a running chaos stack."""
    chaos = Chaos(platform, proxy, options)
    try:
        return chaos.run()
    finally:
        chaos.close()


def table(outcomes: list[Outcome]) -> str:
    """One line per fault, then what explains any failure."""
    head = (
        f"{'fault':<18} {'nominations':>11} {'retries':>7} {'lost':>5} {'doubled':>7} "
        f"{'dup. deliveries':>15} {'dead letters':>12} {'converged in':>12}"
    )
    lines = [head, "-" * len(head)]
    for o in outcomes:
        converged = f"{o.converged_in:.1f} s" if o.converged_in is not None else "never"
        lines.append(
            f"{o.fault:<18} {len(o.acknowledged):>11} {o.retries:>7} {o.lost:>5} {o.doubled:>7} "
            f"{o.duplicate_deliveries:>15} {o.dead_letters:>12} {converged:>12}"
        )
    for o in outcomes:
        lines.append(f"{o.fault}: {o.evidence}" + ("" if o.happened else " (FAULT NOT SEEN)"))
        lines.extend(f"  {note}" for note in o.notes)
    return "\n".join(lines)


def failed(outcomes: list[Outcome]) -> bool:
    """Whether anything was lost or doubled, or a fault did not happen."""
    return any(o.lost or o.doubled or not o.happened for o in outcomes)


def main() -> None:
    """Run the faults and print the table; exit 1 on anything lost or doubled."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="nominations in all")
    parser.add_argument("--in-flight", type=int, default=24, help="concurrent clients")
    parser.add_argument(
        "--faults", nargs="+", choices=FAULTS, default=list(FAULTS), help="which faults, in order"
    )
    parser.add_argument("--pause-seconds", type=float, default=30, help="broker frozen this long")
    parser.add_argument(
        "--hold-seconds", type=float, default=10, help="Postgres refusing (57P03) this long"
    )
    parser.add_argument(
        "--republish",
        action="store_true",
        help="after the broker is replaced, also call POST /v1/ops/outbox/republish everywhere",
    )
    args = parser.parse_args()
    options = Options(
        count=args.count,
        in_flight=args.in_flight,
        faults=tuple(args.faults),
        pause_seconds=args.pause_seconds,
        hold_seconds=args.hold_seconds,
        republish=args.republish,
    )
    with stack(Path(".run/chaos")) as (platform, proxy):
        outcomes = run(platform, proxy, options)
    print()
    print(table(outcomes))
    sys.exit(1 if failed(outcomes) else 0)


if __name__ == "__main__":
    main()
