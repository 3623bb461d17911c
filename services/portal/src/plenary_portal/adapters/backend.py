"""The four services' APIs, called with the signed-in person's token (httpx)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog

from plenary_portal.config import Settings

log = structlog.get_logger(__name__)


@dataclass
class ServiceError(Exception):
    """A service refused or failed a request; `detail` says what to do, `fields` per form field."""

    status: int
    detail: str
    fields: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # with a 503: the seconds the service asked to wait (its database is away for now)
    retry_after: int | None = None

    @property
    def unavailable(self) -> bool:
        """The service could not answer at all (down, overloaded, or a bug of its own)."""
        return self.status >= 500

    @property
    def beyond_the_form(self) -> bool:
        """Not a mistake in what was typed: no service, no session, not allowed, or gone."""
        return self.unavailable or self.status in (401, 403, 404)


def _problem(response: httpx.Response) -> ServiceError:
    """The RFC 9457 problem document of a refusal as a ServiceError."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    detail = str(body.get("detail") or body.get("title") or response.reason_phrase)
    fields = {
        str(e.get("field", "")).removeprefix("body."): str(e.get("message", ""))
        for e in body.get("errors") or []
        if isinstance(e, dict)
    }
    extra = {k: v for k, v in body.items() if k not in ("type", "title", "status", "detail")}
    wait = _seconds(response.headers.get("retry-after")) if response.status_code == 503 else None
    return ServiceError(response.status_code, detail, fields, extra, retry_after=wait)


def _seconds(retry_after: str | None) -> int | None:
    """A Retry-After given in seconds, kept within an hour; None when absent or a date."""
    try:
        return min(max(int(retry_after or ""), 1), 3600)
    except ValueError:
        return None


class Backend:
    """One shared HTTP client; every call carries the caller's bearer token."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(timeout=settings.http_timeout_seconds)

    async def close(self) -> None:
        """Release the connection pool."""
        await self.http.aclose()

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str | None,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """The JSON answer of one request (None for 204); a ServiceError for anything not 2xx."""
        response = await self.send(
            service, method, path, token=token, idempotency_key=idempotency_key, **kwargs
        )
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str | None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """The raw answer of one request (for PDFs and other bytes); ServiceError unless 2xx."""
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = self.settings.url(service) + path
        try:
            response = await self.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            log.warning("service unreachable", service=service, error=type(exc).__name__)
            raise ServiceError(503, f"the {service} service cannot be reached") from exc
        if response.is_success:
            return response
        error = _problem(response)
        if error.unavailable:
            log.warning("service failed", service=service, status=response.status_code)
        raise error

    async def all_pages(
        self, service: str, path: str, *, token: str, params: dict | None = None, limit: int = 500
    ) -> list[dict]:
        """Every item of a paginated list (for small lists such as rooms or a delegation's people)."""
        items: list[dict] = []
        offset = 0
        while True:
            page = await self.call(
                service,
                "GET",
                path,
                token=token,
                params={**(params or {}), "limit": limit, "offset": offset},
            )
            items += page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return items

    @asynccontextmanager
    async def stream(
        self, path: str, *, token: str, params: list[tuple[str, str]], last_event_id: str | None
    ) -> AsyncIterator[httpx.Response]:
        """The notification service's live stream (server-sent events), once it has answered."""
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        url = self.settings.url("notification") + path
        timeout = httpx.Timeout(self.settings.http_timeout_seconds, read=None)
        try:
            async with self.http.stream(
                "GET", url, headers=headers, params=tuple(params), timeout=timeout
            ) as response:
                if not response.is_success:
                    await response.aread()
                    raise _problem(response)
                yield response
        except httpx.HTTPError as exc:
            raise ServiceError(503, "the notification service cannot be reached") from exc
