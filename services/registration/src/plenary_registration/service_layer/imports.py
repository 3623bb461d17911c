"""Bulk nominations from a CSV: accepted at once, then worked through line by line with progress."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import func, select, update

from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.adapters.tables import import_errors, imports
from plenary_registration.domain import csv_rows
from plenary_registration.service_layer import handlers
from plenary_shared.auth import Principal, Role
from plenary_shared.authz import Grant, Scope
from plenary_shared.db import UnitOfWork
from plenary_shared.errors import DomainError
from plenary_shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)
BATCH = 50
# the longest the import worker sleeps with nothing to do
IDLE_WAIT_SECONDS = 30.0


async def start_import(
    uow: UnitOfWork,
    *,
    meeting_id: uuid.UUID,
    delegation_id: uuid.UUID,
    text: str,
    actor: str,
    cipher: DocumentCipher,
) -> uuid.UUID:
    """Check the header and queue the import; the file is kept encrypted until it is done."""
    lines = csv_rows.read(text)
    import_id = uuid.uuid4()
    await uow.conn.execute(
        imports.insert().values(
            id=import_id,
            meeting_id=meeting_id,
            delegation_id=delegation_id,
            submitted_by=actor,
            total=len(lines),
            content_enc=cipher.encrypt(text),
        )
    )
    await uow.commit()
    return import_id


async def import_forever(rt: ServiceRuntime) -> None:
    """Work through queued imports (and ones whose worker died) until cancelled."""
    wake: asyncio.Event = rt.state["import_wake"]
    while True:
        wake.clear()
        if not await run_next_import(rt):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=await _idle_wait(rt))


async def _idle_wait(rt: ServiceRuntime) -> float:
    """Until the lease of an import held elsewhere runs out (its worker may have died), at most
    `IDLE_WAIT_SECONDS`; a new import wakes the worker at once."""
    now = datetime.now(UTC)
    async with rt.engine.connect() as conn:
        due = await conn.scalar(
            select(func.min(imports.c.lease_until)).where(
                imports.c.status == "running", imports.c.lease_until > now
            )
        )
    if due is None:
        return IDLE_WAIT_SECONDS
    return min(IDLE_WAIT_SECONDS, (due - now).total_seconds())


async def run_next_import(rt: ServiceRuntime) -> bool:
    """Lease one import and finish it; False when there is none."""
    now = datetime.now(UTC)
    async with rt.engine.begin() as conn:
        claimable = (
            select(imports.c.id)
            .where(
                imports.c.status.in_(("queued", "running")),
                (imports.c.lease_until.is_(None)) | (imports.c.lease_until < now),
            )
            .order_by(imports.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        job = (
            await conn.execute(
                update(imports)
                .where(imports.c.id.in_(claimable.scalar_subquery()))
                .values(status="running", lease_until=now + _lease(rt))
                .returning(imports)
            )
        ).one_or_none()
    if job is None:
        return False
    await _work_through(rt, job)
    return True


async def _work_through(rt: ServiceRuntime, job) -> None:
    cipher: DocumentCipher = rt.state["cipher"]
    lines = csv_rows.read(cipher.decrypt(job.content_enc))
    # the uploader was allowed this delegation's nominations; its lines stay within it
    principal = Principal(
        subject=job.submitted_by, role=Role.FOCAL_POINT, delegation_id=job.delegation_id, token=""
    )
    grant = Grant(principal=principal, action="imports.create", scope=Scope.OWN_DELEGATION)
    for start in range(job.processed, len(lines), BATCH):
        if not await _batch(rt, job, start, lines[start : start + BATCH], grant, cipher):
            return  # another worker took over this import
    async with rt.engine.begin() as conn:
        await conn.execute(
            update(imports)
            .where(imports.c.id == job.id)
            .values(
                status="done", content_enc=None, lease_until=None, finished_at=datetime.now(UTC)
            )
        )
    log.info("import done", import_id=str(job.id), lines=len(lines))


async def _batch(rt: ServiceRuntime, job, start: int, batch: list, grant, cipher) -> bool:
    """Nominate a batch of lines, recording why each bad one was not; progress moves with them."""
    async with rt.unit_of_work() as uow:
        errors, nominated = [], 0
        for line in batch:
            command = csv_rows.validate(line)
            if isinstance(command, str):
                errors.append({"import_id": job.id, "line": line.number, "reason": command})
                continue
            try:
                async with uow.conn.begin_nested():
                    await handlers.record_submission(
                        uow,
                        meeting_id=job.meeting_id,
                        command=command,
                        grant=grant,
                        cipher=cipher,
                        ask_delegation=_unknown,
                        ask_scheduling=_unknown,
                    )
                nominated += 1
            except DomainError as exc:
                errors.append({"import_id": job.id, "line": line.number, "reason": exc.detail})
        moved = await uow.conn.execute(
            update(imports)
            .where(imports.c.id == job.id, imports.c.processed == start)
            .values(
                processed=start + len(batch),
                nominated=imports.c.nominated + nominated,
                failed=imports.c.failed + len(errors),
                lease_until=datetime.now(UTC) + _lease(rt),
            )
        )
        if moved.rowcount == 0:
            return False
        if errors:
            await uow.conn.execute(import_errors.insert(), errors)
        await uow.commit()
    return True


def _lease(rt: ServiceRuntime) -> timedelta:
    """How long a worker holds an import before another may take it over."""
    return timedelta(seconds=rt.settings.import_lease_seconds)  # type: ignore[attr-defined]


async def _unknown(_: uuid.UUID) -> None:
    """The upload checked meeting and delegation, so the projections know them."""
    return None
