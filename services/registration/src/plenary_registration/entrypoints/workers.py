"""Background loops of the registration service: the CSV import worker and the retention sweep.

Each transaction they run is a use case of the service layer; the loops only pace them.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import structlog

from plenary_registration.adapters import queries
from plenary_registration.domain import csv_rows
from plenary_registration.domain.retention import is_due
from plenary_registration.entrypoints.state import Runtime
from plenary_registration.service_layer import imports, retention, throttle
from plenary_shared.auth import Principal, Role
from plenary_shared.authz import Grant, Scope

log = structlog.get_logger(__name__)
# the longest the import worker sleeps with nothing to do
IDLE_WAIT_SECONDS = 30.0


async def import_forever(rt: Runtime) -> None:
    """Work through queued imports (and ones whose worker died) until cancelled."""
    wake = rt.state.import_wake
    while True:
        wake.clear()
        if not await run_next_import(rt):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=await _idle_wait(rt))


async def _idle_wait(rt: Runtime) -> float:
    """Until the lease of an import held elsewhere runs out (its worker may have died), at most
    `IDLE_WAIT_SECONDS`; a new import wakes the worker at once."""
    now = datetime.now(UTC)
    async with rt.engine.connect() as conn:
        due = await queries.next_lease_end(conn, now)
    if due is None:
        return IDLE_WAIT_SECONDS
    return min(IDLE_WAIT_SECONDS, (due - now).total_seconds())


async def run_next_import(rt: Runtime) -> bool:
    """Lease one import and finish it; False when there is none."""
    async with rt.unit_of_work() as uow:
        job = await imports.claim_import(uow, lease=_lease(rt))
    if job is None:
        return False
    await _work_through(rt, job)
    return True


async def _work_through(rt: Runtime, job) -> None:
    cipher = rt.state.cipher
    lines = csv_rows.read(cipher.decrypt(job.content_enc))
    # the uploader was allowed this delegation's nominations; its lines stay within it
    principal = Principal(
        subject=job.submitted_by, role=Role.FOCAL_POINT, delegation_id=job.delegation_id, token=""
    )
    grant = Grant(principal=principal, action="imports.create", scope=Scope.OWN_DELEGATION)
    for start in range(job.processed, len(lines), imports.BATCH):
        async with rt.unit_of_work() as uow:
            taken = await imports.nominate_batch(
                uow,
                job=job,
                start=start,
                batch=lines[start : start + imports.BATCH],
                grant=grant,
                cipher=cipher,
                lease=_lease(rt),
            )
        if not taken:
            return  # another worker took over this import
    async with rt.unit_of_work() as uow:
        await imports.finish_import(uow, import_id=job.id)
    log.info("import done", import_id=str(job.id), lines=len(lines))


def _lease(rt: Runtime) -> timedelta:
    """How long a worker holds an import before another may take it over."""
    return timedelta(seconds=rt.settings.import_lease_seconds)


async def sweep_forever(rt: Runtime) -> None:
    """Purge, at every sweep, the meetings whose retention period has run out (and old strikes)."""
    days = rt.settings.document_retention_days
    while True:
        today = datetime.now(UTC).date()
        async with rt.engine.connect() as conn:
            rows = await queries.meetings_not_purged(conn)
        for row in rows:
            if is_due(row.ends_on, retention_days=days, today=today):
                async with rt.unit_of_work() as uow:
                    await retention.purge_meeting(uow, meeting_id=row.id, today=today, early=False)
        async with rt.unit_of_work() as uow:
            window = timedelta(seconds=rt.settings.throttle_window_seconds)
            await throttle.forget_quiet(uow, window=window, now=datetime.now(UTC))
        await asyncio.sleep(rt.settings.retention_sweep_seconds)
