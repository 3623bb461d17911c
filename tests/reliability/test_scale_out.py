"""Two replicas of each service on one broker and database, one of each SIGKILLed under load."""

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

from plenary_devstack import bench_world, chaos
from plenary_devstack.provision import SERVICES
from plenary_devstack.testing import FAST_TIMINGS, run_dir

COUNT = 200  # nominations, half to each of two delegations
QUOTA = 70  # seats per delegation: 30 of its 100 nominations are turned down
DECIDED = ("nominated", "rejected", "waitlisted")
SUBMITTED = "registration.application.submitted"
GROUPS = tuple(g for s in SERVICES for g in (s, f"{s}.express"))
PARTITIONS = {"0", "1", "2"}  # of every topic
PATIENCE = 120  # give up after this long without progress
OPTIONS = chaos.Options(count=COUNT, in_flight=16, patience=PATIENCE)


class ScaleOut(chaos.Chaos):
    """The chaos run's clients, sending a nomination's attempts to both registration replicas."""

    def registration_url(self, attempt: int) -> str:
        """Turn by turn, so a retry after a dead replica goes to the live one."""
        return self.platform.url(("registration", "registration-2")[attempt % 2])


def partitions_held(run: ScaleOut, name: str) -> set[tuple[str, str]]:
    """The (topic, partition) pairs a replica's consumers hold, from its /metrics."""
    text = run.http.get(f"{run.platform.url(name)}/metrics").text
    return {
        (sample.labels["topic"], sample.labels["partition"])
        for family in text_string_to_metric_families(text)
        if family.name == "plenary_consumer_lag"
        for sample in family.samples
    }


def complete(held: set[tuple[str, str]]) -> bool:
    """Whether every topic in `held` is there with all its partitions."""
    topics = {topic for topic, _ in held}
    return bool(held) and held == {(t, p) for t in topics for p in PARTITIONS}


def group_members(bootstrap: str) -> dict[str, int]:
    """Members of each service's consumer groups, as the broker describes them."""

    async def describe() -> dict[str, int]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            # one group a request: the embedded broker (Tansu) sends an answer about several
            # groups that aiokafka cannot decode
            answers = [await admin.describe_consumer_groups([g]) for g in GROUPS]
        finally:
            await admin.close()
        return {g[1]: len(g[5]) for answer in answers for part in answer for g in part.groups}

    return asyncio.run(describe())


def until(conditions: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Poll conditions (each True, or a measure of progress) until all hold; when each did."""
    held: dict[str, float] = {}
    best: dict[str, object] = {}
    last_progress = time.monotonic()
    while len(held) < len(conditions):
        for name, condition in conditions.items():
            if name in held:
                continue
            progress = condition()
            if progress is True:
                held[name] = last_progress = time.monotonic()
            elif progress != best.get(name):
                best[name], last_progress = progress, time.monotonic()
        waiting = {n: best.get(n) for n in conditions if n not in held}
        assert time.monotonic() - last_progress < PATIENCE, f"no progress: {waiting}"
        time.sleep(0.5)
    return held


def test_two_replicas_each_one_killed_every_nomination_decided_once_and_webhooked():
    root = run_dir() / "scale-out"
    for log in (root / "logs").glob("*.log"):
        log.unlink()
    with chaos.stack(root, extra_env=FAST_TIMINGS) as (platform, proxy):
        replicas = [platform.start_replica(service) for service in SERVICES]
        platform.wait_ready(tuple(replicas))
        run = ScaleOut(platform, proxy, OPTIONS)
        try:
            figures = exercise(run)
        finally:
            run.close()
    print("\n".join(f"{label}: {value}" for label, value in figures.items()))


def exercise(run: ScaleOut) -> dict[str, object]:
    """Load, kills, convergence and the counts; returns the figures to print."""
    platform = run.platform
    assert platform.broker is not None
    bootstrap = platform.broker.bootstrap
    run.prepare()
    meeting = {"id": run.meeting_id}
    delegations = [
        bench_world.delegation(run.http, platform, meeting, name=f"Scale {i}", quota=QUOTA)["id"]
        for i in (1, 2)
    ]
    dead_before = run._dead_letters()

    # before the kill: two members in every group, sharing each service's partitions
    shared: dict[str, set[tuple[str, str]]] = {}

    def shared_out() -> object:
        held = {n: partitions_held(run, n) for s in SERVICES for n in (s, f"{s}-2")}
        for s in SERVICES:
            shared[s] = held[s] | held[f"{s}-2"]
        split = all(
            held[s] and held[f"{s}-2"] and not held[s] & held[f"{s}-2"] and complete(shared[s])
            for s in SERVICES
        )
        return split or tuple(len(p) for p in held.values())

    def members(count: int) -> Callable[[], object]:
        def check() -> object:
            found = group_members(bootstrap)
            return all(found.get(g) == count for g in GROUPS) or tuple(sorted(found.items()))

        return check

    until({"partitions shared": shared_out, "two members per group": members(2)})

    with ThreadPoolExecutor(OPTIONS.in_flight) as pool:
        futures = [pool.submit(run._nominate, delegations[n % 2], n) for n in range(COUNT)]
        run._wait_for(lambda: chaos.finished(futures) >= COUNT // 3)
        unanswered = COUNT - chaos.finished(futures)
        victims = {s: platform.processes[f"{s}-2"] for s in SERVICES}
        for service in SERVICES:
            platform.stop_service(f"{service}-2", kill=True)
        killed_at = time.monotonic()
        submissions = [f.result() for f in futures]

    for service, victim in victims.items():
        assert victim.returncode == -9, f"{service}-2 exited with {victim.returncode}"
        assert not Path(f"/proc/{victim.pid}").exists(), f"{service}-2 (pid {victim.pid}) lives"
    assert unanswered > 0, "the kills came after every nomination was answered"
    refused = [s.refusal for s in submissions if s.refusal]
    assert not refused, f"{len(refused)} never acknowledged, first: {refused[0]}"
    acknowledged = {s.application_id for s in submissions}
    assert len(acknowledged) == COUNT

    def decided_and_webhooked() -> object:
        states = {}
        for delegation in delegations:
            states |= run._states(delegation)
        arrived = {subject for (_kind, subject) in run.receiver.webhook_ids()}
        done = sum(1 for a in acknowledged if states.get(a) in DECIDED and a in arrived)
        return done == COUNT or done

    def taken_over() -> object:
        held = {s: partitions_held(run, s) for s in SERVICES}
        return all(held[s] == shared[s] for s in SERVICES) or tuple(len(p) for p in held.values())

    at = until(
        {
            "decided and webhooked": decided_and_webhooked,
            "survivors hold every partition": taken_over,
            "one member per group": members(1),
        }
    )
    run._settle()

    states: dict[str, str] = {}
    for delegation in delegations:
        mine = run._states(delegation)
        states |= mine
        nominated = sum(1 for state in mine.values() if state == "nominated")
        seats = run._ok(run.http.get(f"{platform.url('delegation')}/v1/delegations/{delegation}"))
        assert seats["quota_used"] == nominated == QUOTA, (seats["quota_used"], nominated)
    assert set(states) == acknowledged, "applications beyond the acknowledged ones"
    by_state = Counter(states.values())
    assert set(by_state) <= set(DECIDED), by_state

    webhooks = run.receiver.webhook_ids()
    for application, state in states.items():
        kinds = {kind for (kind, subject) in webhooks if subject == application}
        decisions = {k.rsplit(".", 1)[1] for k in kinds if k.rsplit(".", 1)[1] in DECIDED}
        assert decisions == {state}, f"{application} is {state}, webhooks said {decisions}"
        assert SUBMITTED in kinds, f"{application}: its submission was not webhooked"
    twice = {key: ids for key, ids in webhooks.items() if len(ids) > 1}
    assert not twice, f"events delivered under two webhook-ids: {list(twice.items())[:3]}"
    deliveries = sum(n for ids in webhooks.values() for n in ids.values())

    return {
        "replicas": "2 of each of " + ", ".join(SERVICES) + "; one of each SIGKILLed",
        "nominations": f"{COUNT} ({unanswered} unanswered at the kill), {dict(by_state)}",
        "client retries (replayed under the same Idempotency-Key)": sum(
            s.retries for s in submissions
        ),
        "webhook events": f"{len(webhooks)}, {deliveries} deliveries, "
        f"{deliveries - len(webhooks)} duplicates absorbed (same webhook-id)",
        "dead letters": run._dead_letters() - dead_before,
        "partitions per service": {s: len(shared[s]) for s in SERVICES},
        **{f"after the kill, {name} in": f"{t - killed_at:.1f} s" for name, t in at.items()},
    }
