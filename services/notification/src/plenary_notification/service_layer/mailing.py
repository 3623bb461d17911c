"""The e-mail worker: leases due e-mails, renders them in their language, sends them by SMTP."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import update

from plenary_notification.adapters import mailer, repository, templates
from plenary_notification.adapters.tables import emails
from plenary_notification.config import Settings
from plenary_notification.domain.model import next_delay
from plenary_shared.runtime import ServiceRuntime
from plenary_shared.sealing import unseal

log = structlog.get_logger(__name__)


async def mail_forever(rt: ServiceRuntime) -> None:
    """Send due e-mails until cancelled; polls, and is woken when e-mails are queued."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    wake: asyncio.Event = rt.state["mail_wake"]
    limit = asyncio.Semaphore(settings.email_concurrency)
    while True:
        wake.clear()
        if await send_due(rt, limit):
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=settings.email_poll_seconds)


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


async def send_due(rt: ServiceRuntime, limit: asyncio.Semaphore) -> int:
    """One round: lease, send, record; returns how many were attempted."""
    settings: Settings = rt.settings  # type: ignore[assignment]
    lease = timedelta(seconds=settings.smtp_timeout_seconds * 3)
    async with rt.engine.begin() as conn:
        due = await repository.lease_due_emails(
            conn, limit=settings.email_concurrency * 4, lease=lease
        )
    server = server_of(settings)

    async def one(row) -> None:
        error, permanent = None, False
        try:
            message = build(row, settings)
            async with limit:
                await mailer.send(server, message)
        except mailer.PermanentFailure as exc:
            error, permanent = str(exc), True
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        await record(rt, row=row, error=error, permanent=permanent, settings=settings)

    await asyncio.gather(*(one(r) for r in due))
    return len(due)


def build(row, settings: Settings):
    """The message of one stored e-mail; a sealed link is opened only here, in memory."""
    context = dict(row.context)
    if sealed := context.pop("sealed_link", None):
        context["link"] = unseal(settings.link_seal_key, sealed)
    context.setdefault("portal_url", settings.portal_url)
    context["language"] = templates.language_of(row.language)
    rendered = templates.render(row.kind, language=row.language, context=context)
    return mailer.compose(
        rendered=rendered,
        sender=settings.mail_from,
        recipient=row.recipient,
        message_id=str(row.id),
    )


async def record(rt: ServiceRuntime, *, row, error: str | None, permanent: bool, settings) -> None:
    """Settle an attempt: sent, retried later with backoff, or failed for good."""
    now = datetime.now(UTC)
    values: dict = {"lease_until": None, "last_error": error}
    if error is None:
        values |= {"status": "sent", "sent_at": now}
    elif permanent or row.attempts >= settings.email_max_attempts:
        values |= {"status": "failed"}
    else:
        delay = next_delay(
            row.attempts,
            base=settings.email_backoff_seconds,
            cap=settings.email_backoff_max_seconds,
        )
        values |= {"next_attempt_at": now + timedelta(seconds=delay)}
    async with rt.engine.begin() as conn:
        await conn.execute(update(emails).where(emails.c.id == row.id).values(**values))
    log.info(
        "e-mail attempt",
        email_id=str(row.id),
        kind=row.kind,
        outcome=values.get("status", "retry"),
        attempt=row.attempts,
        error=error,
    )


def digest_cutoff(now: datetime, *, hour: int) -> datetime:
    """The latest daily digest time at or before now (the digest hour, UTC)."""
    today = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return today if today <= now else today - timedelta(days=1)


async def digest_forever(rt: ServiceRuntime) -> None:
    """Once a day, at the digest hour, gather held e-mails into each recipient's digest."""
    from plenary_notification.service_layer import emails as email_cases

    settings: Settings = rt.settings  # type: ignore[assignment]
    while True:
        cutoff = digest_cutoff(datetime.now(UTC), hour=settings.digest_hour_utc)
        async with rt.unit_of_work() as uow:
            sent = await email_cases.send_digests(
                uow, before=cutoff, on_queued=rt.state["mail_wake"].set
            )
        if sent:
            log.info("digests queued", count=sent, cutoff=cutoff.isoformat())
        await asyncio.sleep(settings.digest_check_seconds)
