"""Typed exceptions for the RFC 9457 problem documents the services answer with."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(Exception):
    """A problem document (or any answer of 400 and above) from a Plenary service."""

    def __init__(self, response: httpx.Response, problem: dict[str, Any]) -> None:
        self.response = response
        self.problem = problem
        self.status: int = response.status_code
        self.type: str = str(problem.get("type", "about:blank"))
        self.title: str = str(problem.get("title", response.reason_phrase))
        self.detail: str = str(problem.get("detail", ""))
        super().__init__(f"{self.status} {self.title}: {self.detail}")

    @property
    def extras(self) -> dict[str, Any]:
        """The members beyond RFC 9457's own (current_state, conflicts, retry_after, ...)."""
        own = {"type", "title", "status", "detail", "instance"}
        return {k: v for k, v in self.problem.items() if k not in own}


class BadRequest(ApiError):
    """400: the request cannot be read."""


class Unauthorized(ApiError):
    """401: no token, or one that does not verify."""


class Forbidden(ApiError):
    """403: the token's role may not take this action."""


class NotFound(ApiError):
    """404: nothing there, or nothing within the caller's reach."""


class Conflict(ApiError):
    """409: the resource's state does not allow it."""

    @property
    def current_state(self) -> str | None:
        """The state the resource is in, when the service says."""
        return self.problem.get("current_state")

    @property
    def conflicts(self) -> list[dict[str, Any]]:
        """What it collides with (sessions, rooms, people), when the service says."""
        return list(self.problem.get("conflicts") or [])


class Gone(ApiError):
    """410: it was there and is no more."""


class PreconditionFailed(ApiError):
    """412: the version the caller holds is no longer the current one."""


class Invalid(ApiError):
    """422: the body or a parameter fails validation; `.errors` says where."""

    @property
    def errors(self) -> list[dict[str, Any]]:
        """One entry per refused field (field, message)."""
        return list(self.problem.get("errors") or [])


class _RetryAfter(ApiError):
    @property
    def retry_after(self) -> float | None:
        """Seconds to wait, from the problem's retry_after or the Retry-After header."""
        value = self.problem.get("retry_after", self.response.headers.get("retry-after"))
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


class RateLimited(_RetryAfter):
    """429: too many requests; try again after `.retry_after` seconds."""


class Unavailable(_RetryAfter):
    """503: the service cannot answer now; try again after `.retry_after` seconds."""


BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    412: PreconditionFailed,
    422: Invalid,
    429: RateLimited,
    503: Unavailable,
}


def raise_for_problem(response: httpx.Response) -> None:
    """Raise the typed exception for an answer of 400 and above."""
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    problem = body if isinstance(body, dict) else {"detail": response.text}
    raise BY_STATUS.get(response.status_code, ApiError)(response, problem)
