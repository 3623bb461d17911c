"""Bulk nominations from a CSV: accepted at once, then worked through batch by batch with
progress (the worker that leases them is `entrypoints.workers`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.domain import csv_rows
from plenary_registration.service_layer.applications import record_submission
from plenary_shared.authz import Grant
from plenary_shared.errors import DomainError

if TYPE_CHECKING:
    from plenary_registration.adapters.repository import Repository
    from plenary_shared.db import UnitOfWork

BATCH = 50


async def start_import(
    uow: UnitOfWork[Repository],
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
    await uow.repo.add_import(
        id=import_id,
        meeting_id=meeting_id,
        delegation_id=delegation_id,
        submitted_by=actor,
        total=len(lines),
        content_enc=cipher.encrypt(text),
    )
    await uow.commit()
    return import_id


async def claim_import(uow: UnitOfWork[Repository], *, lease: timedelta) -> Any:
    """Lease the next import to work on (queued, or its worker's lease ran out); None if none."""
    now = datetime.now(UTC)
    job = await uow.repo.claim_import(now=now, lease_until=now + lease)
    await uow.commit()
    return job


async def nominate_batch(
    uow: UnitOfWork[Repository],
    *,
    job: Any,
    start: int,
    batch: list[csv_rows.Line],
    grant: Grant,
    cipher: DocumentCipher,
    lease: timedelta,
) -> bool:
    """Nominate a batch of lines, recording why each bad one was not; progress moves with them.
    False when another worker took the import over (nothing is committed then)."""
    errors, nominated = [], 0
    for line in batch:
        command = csv_rows.validate(line)
        if isinstance(command, str):
            errors.append({"import_id": job.id, "line": line.number, "reason": command})
            continue
        try:
            async with uow.savepoint():
                await record_submission(
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
    moved = await uow.repo.advance_import(
        job.id,
        start=start,
        processed=start + len(batch),
        nominated=nominated,
        failed=len(errors),
        lease_until=datetime.now(UTC) + lease,
    )
    if not moved:
        return False
    if errors:
        await uow.repo.add_import_errors(errors)
    await uow.commit()
    return True


async def finish_import(uow: UnitOfWork[Repository], *, import_id: uuid.UUID) -> None:
    """Every line was worked through: the import is done and its file dropped."""
    await uow.repo.finish_import(import_id, now=datetime.now(UTC))
    await uow.commit()


async def _unknown(_: uuid.UUID) -> None:
    """The upload checked meeting and delegation, so the projections know them."""
    return None
