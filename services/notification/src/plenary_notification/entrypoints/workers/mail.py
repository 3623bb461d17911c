"""The e-mail workers: due e-mails sent, daily digests gathered, schedule changes combined."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta

import structlog

from plenary_notification.adapters import mailer
from plenary_notification.adapters.repository import Repository
from plenary_notification.config import Settings
from plenary_notification.domain.emails import digest_cutoff
from plenary_notification.domain.model import idle_wait
from plenary_notification.entrypoints.state import State
from plenary_notification.service_layer import emails as emails_cases
from plenary_notification.service_layer import mailing
from plenary_shared.db import single_statements
from plenary_shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


async def mail_forever(rt: ServiceRuntime[State, Settings]) -> None:
    """Send due e-mails until cancelled: woken when e-mails are queued and when the next retry
    falls due; `email_poll_seconds` is only its longest sleep."""
    settings: Settings = rt.settings
    wake = rt.state.mail_wake
    connections = mailer.Connections(mailing.server_of(settings), size=settings.email_concurrency)
    try:
        while True:
            wake.clear()
            if await send_due(rt, connections):
                continue
            now = datetime.now(UTC)
            async with single_statements(rt.engine) as conn:
                due = await Repository(conn).next_email_due(now=now)
            timeout = idle_wait(due, now=now, longest=settings.email_poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=timeout)
    finally:
        await connections.close()


async def send_due(rt: ServiceRuntime[State, Settings], connections: mailer.Connections) -> int:
    """One round: lease a batch, build each distinct content once, send, record; returns how many."""
    settings: Settings = rt.settings
    lease = timedelta(seconds=settings.smtp_timeout_seconds * 3)
    async with single_statements(rt.engine) as conn:
        due = await Repository(conn).lease_due_emails(limit=settings.email_batch, lease=lease)
    if not due:
        return 0
    outcomes = await mailing.send_all(due, connections, settings=settings)
    async with rt.unit_of_work() as uow:
        await mailing.record(uow, outcomes=outcomes, policy=settings.email_retry)
    return len(due)


async def digest_forever(rt: ServiceRuntime[State, Settings]) -> None:
    """Once a day, at the digest hour, gather held e-mails into each recipient's digest."""
    settings: Settings = rt.settings
    while True:
        cutoff = digest_cutoff(datetime.now(UTC), hour=settings.digest_hour_utc)
        async with rt.unit_of_work() as uow:
            sent = await emails_cases.send_digests(
                uow, before=cutoff, on_queued=rt.state.mail_wake.set
            )
        if sent:
            log.info("digests queued", count=sent, cutoff=cutoff.isoformat())
        await asyncio.sleep(settings.digest_check_seconds)


async def batch_forever(rt: ServiceRuntime[State, Settings]) -> None:
    """Send each person's schedule changes in one message once their burst has gone quiet;
    checks every `change_check_seconds`, and at once when changes are batched."""
    settings: Settings = rt.settings
    wake = rt.state.changes_wake
    while True:
        wake.clear()
        quiet_before = datetime.now(UTC) - timedelta(seconds=settings.change_quiet_seconds)
        started = time.perf_counter()
        async with rt.unit_of_work() as uow:
            sent = await emails_cases.send_change_batches(
                uow, quiet_before=quiet_before, on_queued=rt.state.mail_wake.set
            )
            await uow.commit()
        if sent:
            log.info(
                "schedule changes combined",
                messages=sent,
                seconds=round(time.perf_counter() - started, 3),
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=settings.change_check_seconds)
