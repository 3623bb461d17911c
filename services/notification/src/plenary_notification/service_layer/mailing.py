"""The e-mail worker: leases due e-mails, renders them in their language, sends them by SMTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import update

from plenary_notification.adapters import mailer, repository, templates
from plenary_notification.adapters.tables import emails
from plenary_notification.config import Settings
from plenary_notification.domain.emails import net_changes
from plenary_notification.domain.model import idle_wait, next_delay
from plenary_notification.service_layer import emails as emails_cases
from plenary_shared.db import single_statements
from plenary_shared.runtime import ServiceRuntime
from plenary_shared.sealing import unseal

log = structlog.get_logger(__name__)


async def mail_forever(rt: ServiceRuntime) -> None:
    """Send due e-mails until cancelled: woken when e-mails are queued and when the next retry
    falls due; `email_poll_seconds` is only its longest sleep."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    wake: asyncio.Event = rt.state["mail_wake"]
    connections = mailer.Connections(server_of(settings), size=settings.email_concurrency)
    try:
        while True:
            wake.clear()
            if await send_due(rt, connections):
                continue
            now = datetime.now(UTC)
            async with single_statements(rt.engine) as conn:
                due = await repository.next_email_due(conn, now=now)
            timeout = idle_wait(due, now=now, longest=settings.email_poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=timeout)
    finally:
        await connections.close()


def server_of(settings: Settings) -> mailer.SmtpServer:
    """The SMTP server the settings name."""
    return mailer.SmtpServer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        use_tls=settings.smtp_tls,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )


async def send_due(rt: ServiceRuntime, connections: mailer.Connections) -> int:
    """One round: lease a batch, build each distinct content once, send, record; returns how many."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    lease = timedelta(seconds=settings.smtp_timeout_seconds * 3)
    async with single_statements(rt.engine) as conn:
        due = await repository.lease_due_emails(conn, limit=settings.email_batch, lease=lease)
    if not due:
        return 0
    bodies: dict[str, bytes] = {}

    async def one(row) -> tuple[object, str | None, bool]:
        try:
            message = mailer.addressed(
                content_of(row, settings, bodies), recipient=row.recipient, message_id=str(row.id)
            )
            await connections.send(
                sender=settings.mail_from, recipient=row.recipient, message=message
            )
        except mailer.PermanentFailure as exc:
            return row, str(exc), True
        except Exception as exc:
            return row, f"{type(exc).__name__}: {exc}"[:500], False
        return row, None, False

    outcomes = await asyncio.gather(*(one(r) for r in due))
    await record(rt, outcomes=outcomes, settings=settings)
    return len(due)


def content_of(row, settings: Settings, bodies: dict[str, bytes]) -> bytes:
    """A message body, built once for all recipients of the same content and language."""
    key = json.dumps([row.kind, row.language, row.context], sort_keys=True, default=str)
    if key not in bodies:
        context = dict(row.context)
        if sealed := context.pop("sealed_link", None):
            # opened only here, in memory, at the moment of sending
            context["link"] = unseal(settings.link_seal_key, sealed)
        if sealed := context.pop("sealed_code", None):
            context["code"] = unseal(settings.link_seal_key, sealed)
        context.setdefault("portal_url", settings.portal_url)
        context["language"] = templates.language_of(row.language)
        if row.kind == "schedule_changes":
            # the log keeps every change; the person reads where each session ended up
            context["items"] = net_changes(context["items"])
        rendered = templates.render(row.kind, language=row.language, context=context)
        bodies[key] = mailer.body(rendered, sender=settings.mail_from)
    return bodies[key]


async def record(rt: ServiceRuntime, *, outcomes: list, settings: Settings) -> None:
    """Settle a batch: the sent in one statement; each failure retried with backoff, or failed."""
    now = datetime.now(UTC)
    sent = [row.id for row, error, _ in outcomes if error is None]
    async with rt.engine.begin() as conn:
        if sent:
            await conn.execute(
                update(emails)
                .where(emails.c.id.in_(sent))
                .values(status="sent", sent_at=now, lease_until=None, last_error=None)
            )
        for row, error, permanent in outcomes:
            if error is None:
                continue
            values: dict = {"lease_until": None, "last_error": error}
            if permanent or row.attempts >= settings.email_max_attempts:
                values["status"] = "failed"
            else:
                delay = next_delay(
                    row.attempts,
                    base=settings.email_backoff_seconds,
                    cap=settings.email_backoff_max_seconds,
                )
                values["next_attempt_at"] = now + timedelta(seconds=delay)
            await conn.execute(update(emails).where(emails.c.id == row.id).values(**values))
            log.info(
                "e-mail not sent",
                email_id=str(row.id),
                kind=row.kind,
                outcome=values.get("status", "retry"),
                attempt=row.attempts,
                error=error,
            )
    if sent:
        log.info("e-mails sent", count=len(sent))


def digest_cutoff(now: datetime, *, hour: int) -> datetime:
    """The latest daily digest time at or before now (the digest hour, UTC)."""
    today = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return today if today <= now else today - timedelta(days=1)


async def digest_forever(rt: ServiceRuntime) -> None:
    """Once a day, at the digest hour, gather held e-mails into each recipient's digest."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    while True:
        cutoff = digest_cutoff(datetime.now(UTC), hour=settings.digest_hour_utc)
        async with rt.unit_of_work() as uow:
            sent = await emails_cases.send_digests(
                uow, before=cutoff, on_queued=rt.state["mail_wake"].set
            )
        if sent:
            log.info("digests queued", count=sent, cutoff=cutoff.isoformat())
        await asyncio.sleep(settings.digest_check_seconds)


async def batch_forever(rt: ServiceRuntime) -> None:
    """Send each person's schedule changes in one message once their burst has gone quiet;
    checks every `change_check_seconds`, and at once when changes are batched."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    wake: asyncio.Event = rt.state["changes_wake"]
    while True:
        wake.clear()
        quiet_before = datetime.now(UTC) - timedelta(seconds=settings.change_quiet_seconds)
        started = time.perf_counter()
        async with rt.unit_of_work() as uow:
            sent = await emails_cases.send_change_batches(
                uow, quiet_before=quiet_before, on_queued=rt.state["mail_wake"].set
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
