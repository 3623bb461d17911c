"""Sends one signed webhook request (Standard Webhooks) and reports what happened."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

from plenary_notification.domain.delivery import parse_retry_after

GONE = 410


def new_secret() -> str:
    """A Standard Webhooks signing secret."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@dataclass(frozen=True)
class Attempt:
    """The outcome of one request; `permanent` failures are not retried, a `gone` receiver (410)
    ends its subscription, `retry_after` is the wait a receiver asked for (seconds)."""

    status_code: int | None
    latency_ms: float
    error: str | None
    permanent: bool = False
    gone: bool = False
    retry_after: float | None = None


def signature(signing_secrets: list[str], *, message_id: str, at: datetime, body: str) -> str:
    """The `webhook-signature` header: one signature per secret, space-separated."""
    return " ".join(Webhook(s).sign(message_id, at, body) for s in signing_secrets)


async def send(
    http: httpx.AsyncClient,
    *,
    url: str,
    signing_secrets: list[str],
    message_id: str,
    body: str,
    timeout: float,
) -> Attempt:
    """POST a signed body; redirects are not followed, refused destinations are not retried."""
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature(signing_secrets, message_id=message_id, at=now, body=body),
        "user-agent": "Plenary-Webhooks/1",
    }
    started = time.perf_counter()
    try:
        response = await http.post(url, content=body.encode(), headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        elapsed = (time.perf_counter() - started) * 1000
        message = str(exc)
        refused = message.startswith("refused: ")
        return Attempt(None, elapsed, f"{type(exc).__name__}: {message}"[:500], permanent=refused)
    elapsed = (time.perf_counter() - started) * 1000
    code = response.status_code
    if 200 <= code < 300:
        return Attempt(code, elapsed, None)
    if response.is_redirect:
        where = response.headers.get("location", "?")[:200]
        return Attempt(
            code, elapsed, f"receiver redirected to {where}; redirects are not followed", True
        )
    if code == GONE:
        error = "receiver answered 410 Gone: it wants no more deliveries"
        return Attempt(code, elapsed, error, permanent=True, gone=True)
    retry_after = None
    if code == 429 or code >= 500:
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=datetime.now(UTC))
    return Attempt(code, elapsed, f"receiver answered {code}", retry_after=retry_after)
