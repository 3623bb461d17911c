"""Sends one signed webhook request (Standard Webhooks) and reports what happened."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook


def new_secret() -> str:
    """A Standard Webhooks signing secret."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@dataclass(frozen=True)
class Attempt:
    """The outcome of one request."""

    status_code: int | None
    latency_ms: float
    error: str | None


async def send(
    http: httpx.AsyncClient, *, url: str, secret: str, message_id: str, body: str, timeout: float
) -> Attempt:
    """POST a signed body; redirects are not followed."""
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, now, body),
        "user-agent": "Plenary-Webhooks/1",
    }
    started = time.perf_counter()
    try:
        response = await http.post(
            url, content=body.encode(), headers=headers, timeout=timeout, follow_redirects=False
        )
    except httpx.HTTPError as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return Attempt(None, elapsed, f"{type(exc).__name__}: {exc}"[:500])
    elapsed = (time.perf_counter() - started) * 1000
    error = (
        None if 200 <= response.status_code < 300 else f"receiver answered {response.status_code}"
    )
    return Attempt(response.status_code, elapsed, error)
