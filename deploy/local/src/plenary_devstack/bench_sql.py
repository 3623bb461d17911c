"""SQL statements counted by Postgres itself: `log_statement = all` into the server log, per role.

The embedded server has no pg_stat_statements (the wheel ships no such library), so every
statement a backend executes is logged for the window and the lines are counted. A statement is
one the server executed: a simple query, or one Execute of the extended protocol (asyncpg), with
BEGIN, COMMIT and each of the three of a pool pre-ping (BEGIN; `;`; ROLLBACK) counting as one.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from plenary_shared.outbox import asyncpg_dsn

PREFIX = "BENCH|%p|%u|%a|"
LINE = re.compile(r"^BENCH\|(\d+)\|([^|]*)\|([^|]*)\|LOG:  (?:statement|execute [^:]*): (.*)$")
SETTINGS = {
    "log_statement": "all",
    "log_line_prefix": PREFIX,
    # values of bound parameters would make the log as big as the data
    "log_parameter_max_length": "0",
}


async def _configure(admin_url: str, *, on: bool) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        for name, value in SETTINGS.items():
            if on:
                await conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            else:
                await conn.execute(f"ALTER SYSTEM RESET {name}")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


def logging_on(admin_url: str) -> None:
    """Log every statement from now on (a reload; no restart)."""
    asyncio.run(_configure(admin_url, on=True))


def logging_off(admin_url: str) -> None:
    """Back to the server's own logging."""
    asyncio.run(_configure(admin_url, on=False))


@dataclass
class Statements:
    """Statements executed in a window: by database role and by application name; pre-pings."""

    by_role: Counter = field(default_factory=Counter)
    pings: Counter = field(default_factory=Counter)
    by_app: Counter = field(default_factory=Counter)
    unlogged: Counter = field(default_factory=Counter)

    def total(self, roles) -> int:
        """Statements of these roles."""
        return sum(self.by_role[r] for r in roles)


class Window:
    """The server log from `start` to `stop`, counted."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self._offset = 0

    def start(self) -> Window:
        """Remember where the log ends now."""
        self._offset = self.log.stat().st_size
        return self

    def stop(self) -> Statements:
        """Count what was logged since `start`."""
        with self.log.open("rb") as f:
            f.seek(self._offset)
            text = f.read().decode(errors="replace")
        return count(text)


def count(text: str) -> Statements:
    """Statements in log text, by role, with each pre-ping's unlogged `;` added.

    The pool's pre-ping is BEGIN, `;`, ROLLBACK; Postgres does not log an empty query sent
    with the extended protocol, so a BEGIN followed at once by ROLLBACK on the same backend is
    a ping and its `;` is counted too. The relay's keep-alive `SELECT 1` counts as a ping.
    """
    found = Statements()
    per_backend: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in text.splitlines():
        if match := LINE.match(line):
            pid, role, app, sql = match.groups()
            found.by_role[role] += 1
            found.by_app[app] += 1
            per_backend[pid].append((role, sql.strip().rstrip(";").upper()))
    for statements in per_backend.values():
        for (role, sql), (_, following) in zip(
            statements, [*statements[1:], ("", "")], strict=True
        ):
            if sql == "SELECT 1":
                found.pings[role] += 1
            elif sql.startswith("BEGIN") and following == "ROLLBACK":
                found.by_role[role] += 1
                found.unlogged[role] += 1
                found.pings[role] += 3
    return found
