"""A typed Python client for Plenary's organiser APIs: `Plenary(urls, token).scheduling...`."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

import httpx

from plenary_client.api.delegation import DelegationApi
from plenary_client.api.notification import NotificationApi
from plenary_client.api.registration import RegistrationApi
from plenary_client.api.scheduling import SchedulingApi
from plenary_client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    PreconditionFailed,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from plenary_client.models import delegation, notification, registration, scheduling

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "Gone",
    "Invalid",
    "NotFound",
    "Plenary",
    "PreconditionFailed",
    "RateLimited",
    "Unauthorized",
    "Unavailable",
    "delegation",
    "notification",
    "registration",
    "scheduling",
]


class Plenary:
    """The four services with one token: `.scheduling`, `.delegation`, `.registration`,
    `.notification`, one method per operation (named by its operation id)."""

    def __init__(
        self,
        urls: Mapping[str, str],
        token: str | None = None,
        *,
        correlation_id: str | None = None,
        attempts: int = 4,
        timeout: float = 20,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.urls = dict(urls)
        self.token = token
        self.correlation_id = correlation_id
        self.attempts = attempts
        self.timeout = timeout
        self.transport = transport
        self._clients: list[httpx.Client] = []
        self.scheduling = SchedulingApi(self._http("scheduling"), **self._options())
        self.delegation = DelegationApi(self._http("delegation"), **self._options())
        self.registration = RegistrationApi(self._http("registration"), **self._options())
        self.notification = NotificationApi(self._http("notification"), **self._options())

    def _options(self) -> dict:
        return {"correlation_id": self.correlation_id, "attempts": self.attempts}

    def _http(self, service: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        client = httpx.Client(
            base_url=self.urls[service],
            headers=headers,
            timeout=self.timeout,
            transport=self.transport,
        )
        self._clients.append(client)
        return client

    def as_(self, token: str | None) -> Plenary:
        """The same services with another token (close it, or use it in a `with`)."""
        return Plenary(
            self.urls,
            token,
            correlation_id=self.correlation_id,
            attempts=self.attempts,
            timeout=self.timeout,
            transport=self.transport,
        )

    def close(self) -> None:
        """Close the connections."""
        for client in self._clients:
            client.close()

    def __enter__(self) -> Plenary:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
