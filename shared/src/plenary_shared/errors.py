"""Domain errors and their mapping to RFC 9457 problem responses: clear, actionable, never echoing input."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from plenary_shared.outage import RETRY_AFTER_SECONDS, is_outage

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """A refusal a person can act on; subclasses fix the HTTP status."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    """The thing named does not exist (or is not visible to the caller)."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The request clashes with the current state."""

    status = 409
    title = "Conflict"


class Invalid(DomainError):
    """The request is well-formed but breaks a rule."""

    status = 422
    title = "Unprocessable request"


class Gone(DomainError):
    """The thing existed and was deliberately erased."""

    status = 410
    title = "Gone"


class Forbidden(DomainError):
    """The caller may not do this."""

    status = 403
    title = "Forbidden"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem response; a `retry_after` (seconds) is also sent as Retry-After."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)
    if "retry_after" in extra:
        response.headers["Retry-After"] = str(extra["retry_after"])
    return response


def unavailable(seconds: int = RETRY_AFTER_SECONDS) -> JSONResponse:
    """503 with Retry-After: the database is not there for now, and nothing was saved."""
    return problem(
        503,
        "Service unavailable",
        f"The database is not reachable right now; nothing was saved. "
        f"Try again in {seconds} seconds.",
        retry_after=seconds,
    )


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def _validation_problem(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        e = next(e for e in errors if e.get("type") == "json_invalid")
        reason = (e.get("ctx") or {}).get("error", "malformed JSON")
        return problem(
            400,
            "Malformed JSON",
            f"The request body is not valid JSON ({reason}); send a JSON object.",
        )
    fields = [{"field": _field(tuple(e.get("loc", ()))), "message": _message(e)} for e in errors]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return problem(422, "Invalid request", f"Please correct: {summary}", errors=fields)


def _message(error: dict) -> str:
    """Pydantic's message, in words about text where the value is text."""
    ctx = error.get("ctx") or {}
    if error.get("type") in ("too_short", "too_long") and isinstance(error.get("input"), str):
        least = error["type"] == "too_short"
        n = ctx.get("min_length" if least else "max_length")
        return f"String should have at {'least' if least else 'most'} {n} character{'s' * (n != 1)}"
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as a problem document without the submitted values."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_problem(exc)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return _method_not_allowed(request)
        response = problem(exc.status_code, _title(exc.status_code), str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    async def _outage(request: Request, exc: Exception) -> JSONResponse:
        if not is_outage(exc):
            raise exc  # a bug: on to the 500 below, with its traceback in the log
        log.warning("database unreachable", path=request.url.path, error_type=type(exc).__name__)
        return unavailable()

    # handled here, an outage is answered without a traceback per request in the log
    for kind in (DBAPIError, OSError, TimeoutError):
        app.add_exception_handler(kind, _outage)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_outage(exc):
            return await _outage(request, exc)
        log.error("unhandled error", path=request.url.path, error_type=type(exc).__name__)
        return problem(
            500, "Internal error", "Something went wrong on our side; nothing was saved."
        )


def _method_not_allowed(request: Request) -> JSONResponse:
    """405 naming every method the path takes (Starlette's `Allow` names one route's only)."""
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if route.matches(request.scope)[0] is not Match.NONE:
            allowed |= getattr(route, "methods", None) or set()
    methods = ", ".join(sorted(allowed))
    response = problem(
        405, _title(405), f"{request.method} is not allowed here; this path takes {methods}"
    )
    response.headers["Allow"] = methods
    return response


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
