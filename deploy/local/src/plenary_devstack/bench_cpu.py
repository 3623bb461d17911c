"""CPU time of the platform's processes, read from /proc: each process with all its descendants.

A process tree's CPU so far is the sum over its live members of utime + stime + cutime + cstime:
a member that ended was reaped by its parent, whose cutime/cstime took over what it used. So the
difference between two readings counts Postgres backends that came or went in between.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from plenary_devstack.stack import Platform

TICK = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1


def python_speed(additions: int = 10_000_000) -> float:
    """CPU seconds this machine takes for a fixed pure-Python loop: CPU figures taken on
    different machines compare after dividing by it (a slow or shared core shows here)."""
    began, total = time.process_time(), 0
    for n in range(additions):
        total += n
    return time.process_time() - began


def _stat(pid: int) -> tuple[int, int] | None:
    """A process's parent and its CPU ticks (own and reaped children's), or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # fields[0] is field 3 of proc(5): ppid is 4, utime 14, stime 15, cutime 16, cstime 17
    return int(fields[1]), sum(int(f) for f in fields[11:15])


def _all() -> dict[int, tuple[int, int]]:
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            found[int(entry.name)] = stat
    return found


def tree_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process with all its descendants."""
    processes = _all()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (ppid, _ticks) in processes.items():
        children[ppid].append(pid)
    seconds = {}
    for name, root in roots.items():
        ticks, todo = 0, [root] if root in processes else []
        while todo:
            pid = todo.pop()
            ticks += processes[pid][1]
            todo.extend(children[pid])
        seconds[name] = ticks / TICK
    return seconds


def platform_roots(platform: Platform) -> dict[str, int]:
    """Every process of the platform: the five services, the Postgres postmaster, the broker."""
    roots = {name: p.pid for name, p in platform.processes.items() if p.poll() is None}
    if platform.postgres is not None and (pid := platform.postgres.pid()) is not None:
        roots["postgres"] = pid
    if platform.broker is not None and platform.broker.process is not None:
        roots["broker"] = platform.broker.process.pid
    return roots


@dataclass
class Reading:
    """CPU seconds per process tree between two moments."""

    seconds: float
    by_process: dict[str, float]

    @property
    def total(self) -> float:
        """CPU seconds of every tree together."""
        return sum(self.by_process.values())

    def rate(self) -> dict[str, float]:
        """CPU seconds per second of each tree."""
        return {k: v / self.seconds for k, v in self.by_process.items()}


class Meter:
    """Reads the platform's CPU at `start` and again at `stop`."""

    def __init__(self, platform: Platform) -> None:
        self.roots = platform_roots(platform)
        self._began = 0.0
        self._before: dict[str, float] = {}

    def start(self) -> Meter:
        """Take the first reading."""
        self._before = tree_seconds(self.roots)
        self._began = time.monotonic()
        return self

    def stop(self) -> Reading:
        """Take the second reading; what each tree used in between."""
        after = tree_seconds(self.roots)
        elapsed = time.monotonic() - self._began
        return Reading(elapsed, {k: after[k] - self._before.get(k, 0.0) for k in after})


def idle(platform: Platform, *, seconds: float) -> Reading:
    """The platform's CPU while nobody asks anything of it."""
    meter = Meter(platform).start()
    time.sleep(seconds)
    return meter.stop()
