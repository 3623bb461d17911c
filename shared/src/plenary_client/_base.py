"""What every generated service client stands on: one request, its retries, its pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from plenary_client.errors import Unavailable, raise_for_problem

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
SAFE = frozenset({"GET", "HEAD", "PUT", "DELETE"})
MAX_RETRY_AFTER = 30.0


class Page(Protocol[T]):
    """A page of a list operation."""

    items: list[T]
    total: int


def _retryable(error: BaseException) -> bool:
    return isinstance(error, httpx.TransportError) or (
        isinstance(error, Unavailable) and error.retry_after is not None
    )


def _wait(state: Any) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, Unavailable) and error.retry_after is not None:
        return min(error.retry_after, MAX_RETRY_AFTER)
    return float(wait_exponential(multiplier=0.2, max=5)(state))


def _query_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_query_value(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ServiceApi:
    """One service's operations over an httpx client (made by `Plenary`)."""

    def __init__(
        self, http: httpx.Client, *, correlation_id: str | None = None, attempts: int = 4
    ) -> None:
        self.http = http
        self.correlation_id = correlation_id
        self.attempts = attempts

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: BaseModel | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        keyed: bool = False,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send once, or, when safe to repeat, until it is answered (same Idempotency-Key)."""
        sent: dict[str, str] = dict(headers or {})
        if keyed:
            sent["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        if correlation_id or self.correlation_id:
            sent["X-Correlation-ID"] = correlation_id or self.correlation_id or ""
        if content_type:
            sent["Content-Type"] = content_type
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        payload = (
            body.model_dump(mode="json", by_alias=True, exclude_unset=True)
            if body is not None
            else None
        )

        def once() -> httpx.Response:
            response = self.http.request(
                method, path, params=params, json=payload, content=content, headers=sent
            )
            raise_for_problem(response)
            return response

        if not (keyed or method in SAFE) or self.attempts <= 1:
            return once()
        retrying = Retrying(
            retry=retry_if_exception(_retryable),
            stop=stop_after_attempt(self.attempts),
            wait=_wait,
            reraise=True,
        )
        return retrying(once)

    @staticmethod
    def _body(model: type[M], body: M | Mapping[str, Any]) -> M:
        """The body as its model (a mapping is validated here, before anything is sent)."""
        return body if isinstance(body, model) else model.model_validate(body)

    @staticmethod
    def _parse(kind: type[T], response: httpx.Response) -> T:
        return TypeAdapter(kind).validate_json(response.content)

    @staticmethod
    def _pages(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
        """Every item of a list operation, page after page, until the total is reached."""
        offset = 0
        while True:
            page = fetch(offset)
            yield from page.items
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return
