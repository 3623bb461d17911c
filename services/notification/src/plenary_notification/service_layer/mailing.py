"""Sending e-mails: each distinct content built once in its language, sent by SMTP, and each
outcome settled (sent, retried, given up) by the one settle-or-retry rule."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from plenary_notification.adapters import mailer, templates
from plenary_notification.config import Settings
from plenary_notification.domain.delivery import GivenUp, Retry, RetryPolicy, Settled, settle
from plenary_notification.domain.emails import net_changes
from plenary_shared import metrics, tracing
from plenary_shared.db import UnitOfWork
from plenary_shared.sealing import unseal

if TYPE_CHECKING:
    from plenary_notification.adapters.repository import Repository

log = structlog.get_logger(__name__)

# the trace context an e-mail row's context carries from the event that queued it
TRACE_KEYS = ("traceparent", "tracestate")
_OUTCOMES = {Settled: "delivered", Retry: "retry", GivenUp: "failed"}


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


async def send_all(
    due: list, connections: mailer.Connections, *, settings: Settings
) -> list[tuple[object, str | None, bool]]:
    """Leased e-mails sent at once, each distinct content built once: (row, error or None,
    permanent) for each."""
    bodies: dict[str, bytes] = {}

    async def one(row) -> tuple[object, str | None, bool]:
        span = tracing.start(
            "email send",
            kind=tracing.SpanKind.CLIENT,
            parent={k: row.context[k] for k in TRACE_KEYS if k in row.context},
            attributes={"plenary.email_id": str(row.id), "plenary.email_kind": row.kind},
        )
        started = time.perf_counter()
        try:
            message = mailer.addressed(
                content_of(row, settings, bodies), recipient=row.recipient, message_id=str(row.id)
            )
            await connections.send(
                sender=settings.mail_from, recipient=row.recipient, message=message
            )
        except mailer.PermanentFailure as exc:
            tracing.end(span, exc)
            return row, str(exc), True
        except Exception as exc:
            tracing.end(span, exc)
            return row, f"{type(exc).__name__}: {exc}"[:500], False
        finally:
            metrics.DELIVERY_DURATION.labels(channel="email").observe(time.perf_counter() - started)
        tracing.end(span)
        return row, None, False

    return list(await asyncio.gather(*(one(r) for r in due)))


def content_of(row, settings: Settings, bodies: dict[str, bytes]) -> bytes:
    """A message body, built once for all recipients of the same content and language."""
    context = {k: v for k, v in row.context.items() if k not in TRACE_KEYS}
    key = json.dumps([row.kind, row.language, context], sort_keys=True, default=str)
    if key not in bodies:
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


async def record(uow: UnitOfWork[Repository], *, outcomes: list, policy: RetryPolicy) -> None:
    """Settle a batch: the sent in one statement; each failure retried with backoff, or failed."""
    now = datetime.now(UTC)
    decided = [
        (
            row,
            error,
            settle(row.attempts, failed=error is not None, permanent=p, policy=policy, now=now),
        )
        for row, error, p in outcomes
    ]
    sent = [row.id for row, _, decision in decided if isinstance(decision, Settled)]
    for _, _, decision in decided:
        outcome = _OUTCOMES[type(decision)]
        metrics.DELIVERIES.labels(channel="email", outcome=outcome).inc()
    if sent:
        await uow.repo.mark_sent(sent, now=now)
    for row, error, decision in decided:
        if isinstance(decision, Settled):
            continue
        retry_at = decision.at if isinstance(decision, Retry) else None
        await uow.repo.email_failed(row.id, error=error, retry_at=retry_at)
        log.info(
            "e-mail not sent",
            email_id=str(row.id),
            kind=row.kind,
            outcome="failed" if isinstance(decision, GivenUp) else "retry",
            attempt=row.attempts,
            error=error,
        )
    await uow.commit()
    if sent:
        log.info("e-mails sent", count=len(sent))
