"""Building blocks every service app uses: body limit, pagination, health, dead letters, metrics."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import func, select, text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plenary_shared import asyncapi, metrics, tracing
from plenary_shared.authz import Policy
from plenary_shared.consumer import DEAD_LETTER_TYPE
from plenary_shared.errors import PROBLEM_JSON, Conflict, NotFound
from plenary_shared.inputs import MAX_BIGINT, MAX_LIMIT, MAX_OFFSET
from plenary_shared.outbox import republish_since, since_problem

T = TypeVar("T")
log = structlog.get_logger(__name__)


class BodyLimitMiddleware:
    """Refuses request bodies over a size with 413, counting chunked bodies too."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Request body too large",
                "status": 413,
                "detail": f"The request body exceeds {self.max_bytes} bytes; send less data per request.",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


class TelemetryMiddleware:
    """Per request: its correlation and trace ids for every log line written meanwhile, its
    time in the duration histogram (by route template), one access-log line, and its server
    span when tracing is on.

    The correlation id is the request's `X-Correlation-ID`, or a new one; the answer carries it.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service
        # the histogram's child per (route, method, status): a label lookup costs more than
        # the observation
        self._timers: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        correlation_id, traceparent, tracestate = None, None, None
        for name, value in scope["headers"]:
            if name == b"x-correlation-id":
                correlation_id = value.decode("latin-1")[:200]
            elif name == b"traceparent":
                traceparent = value.decode("latin-1")
            elif name == b"tracestate":
                tracestate = value.decode("latin-1")
        correlation_id = correlation_id or str(uuid.uuid4())
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        parent = {"traceparent": traceparent} if traceparent else {}
        if traceparent and tracestate:
            parent["tracestate"] = tracestate
        span = tracing.start(
            method,
            kind=tracing.SpanKind.SERVER,
            parent=parent,
            attributes={"http.request.method": method, "plenary.correlation_id": correlation_id},
        )
        if span is not None:
            trace_id, passed_on = tracing.trace_id_of(span), None
        else:
            traceparent = tracing.unrecorded(traceparent)
            trace_id, passed_on = traceparent[3:35], tracing.PASSED_ON.set(traceparent)
        ids = tracing.IDS.set((correlation_id, trace_id))
        status = 500
        echoed = (b"x-correlation-id", correlation_id.encode("latin-1"))

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        error: BaseException | None = None
        try:
            if span is None:
                await self.app(scope, receive, observed)
            else:
                with tracing.current(span):
                    await self.app(scope, receive, observed)
        except BaseException as exc:
            error = exc
            raise
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            timer = self._timers.get((route, method, status))
            if timer is None:
                timer = self._timers[route, method, status] = metrics.HTTP_REQUEST_DURATION.labels(
                    service=self.service, route=route, method=method, status=str(status)
                )
            timer.observe(seconds)
            log.info(
                "http request",
                method=method,
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 1),
                client=(scope.get("client") or ("", 0))[0],
            )
            if span is not None:
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                tracing.end(span, error, failed=status >= 500)
            tracing.IDS.reset(ids)
            if passed_on is not None:
                tracing.PASSED_ON.reset(passed_on)


class PageParams(BaseModel):
    """Limit and offset of a list request."""

    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Items to skip; filter the list to go further")
    ] = 0,
) -> PageParams:
    """Pagination query parameters, bounded so no list reads past what a database can skip."""
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def _page_examples(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """A page's example: one item, its model's first example (a page of nothing shows none)."""
    args = cls.__pydantic_generic_metadata__["args"]
    item = args[0] if args else None
    if not (isinstance(item, type) and issubclass(item, BaseModel)):
        return
    examples = item.model_json_schema(mode="serialization").get("examples")
    if isinstance(examples, list) and examples:
        schema["examples"] = [{"items": examples[:1], "total": 1, "limit": 50, "offset": 0}]


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total count."""

    model_config = ConfigDict(json_schema_extra=_page_examples)

    items: list[T] = Field(description="This page's items, in the list's order")
    total: int = Field(description="How many items the whole list has, over all pages")
    limit: int = Field(description="The most items a page holds, as asked (`limit`)")
    offset: int = Field(description="How many items of the list come before this page (`offset`)")


Check = Callable[[], Awaitable[bool]]


def _shows(example: dict[str, Any], description: str) -> dict[int | str, dict[str, Any]]:
    """A route's 200 answer with its example, for answers without a model of their own."""
    return {
        200: {"description": description, "content": {"application/json": {"example": example}}}
    }


def health_router(
    checks: dict[str, Check],
    *,
    events: bool = True,
    reports: dict[str, Check] | None = None,
    before_scrape: Callable[[], Awaitable[None]] | None = None,
) -> APIRouter:
    """/healthz, /readyz (every check passes), /metrics, and /asyncapi.json where `events`.

    `reports` are shown in /readyz among the checks but never make it 503 (status "degraded");
    `before_scrape` brings the gauges that need a look up to date, once per scrape.
    """
    router = APIRouter(tags=["health"])
    reports = reports or {}

    @router.get("/healthz", responses=_shows({"status": "ok"}, "The process is up"))
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    every_check = {
        "database": True,
        "relay": True,
        "consumer": True,
        "topics": True,
        "relay_listening": True,
        "broker": True,
    }

    @router.get(
        "/readyz",
        responses={
            **_shows(
                {"status": "ready", "checks": every_check},
                "Ready, or degraded (a report failed, nothing it needs)",
            ),
            503: {
                "description": "Not ready: a check failed (the body names it)",
                "content": {
                    "application/json": {
                        "example": {
                            "status": "not ready",
                            "checks": {**every_check, "database": False},
                        }
                    }
                },
            },
        },
    )
    async def readyz() -> Any:
        results = {}
        for name, check in {**checks, **reports}.items():
            try:
                results[name] = await check()
            except Exception:
                results[name] = False
        ready = all(results[name] for name in checks)
        whole = all(results.values())
        status = "not ready" if not ready else "ready" if whole else "degraded"
        return JSONResponse(
            {"status": status, "checks": results}, status_code=200 if ready else 503
        )

    if events:

        @router.get("/asyncapi.json", include_in_schema=False)
        async def asyncapi_document() -> dict:
            return asyncapi.document()

    @router.get("/metrics", include_in_schema=False)
    async def metrics_text() -> PlainTextResponse:
        if before_scrape is not None:
            try:
                await before_scrape()
            except Exception as exc:
                # the gauges keep their last values; the rest is still worth a scrape
                log.warning("metrics not refreshed", error=f"{type(exc).__name__}: {exc}")
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


class DeadLetterRead(BaseModel):
    """A message that failed every attempt."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "consumer": "scheduling",
                    "event_id": "0b8e4f7a-5c2d-4e19-8a3b-6f1d2c9e7a40",
                    "event_type": "registration.accreditation.granted",
                    "topic": "registration.events",
                    "partition": 0,
                    "offset": 4821,
                    "error": "IntegrityError: duplicate key value violates unique constraint",
                    "attempts": 5,
                    "created_at": "2026-07-02T09:14:03.512000Z",
                    "replayed_at": None,
                }
            ]
        }
    )

    id: int = Field(description="The dead letter's number, to replay it by")
    consumer: str = Field(description="The consumer group (service) that could not handle it")
    event_id: str | None = Field(
        description="The CloudEvent id, when the message could be read as one"
    )
    event_type: str | None = Field(
        description="The CloudEvent type, such as `registration.accreditation.granted`"
    )
    topic: str = Field(description="The Kafka topic the message came from")
    partition: int = Field(description="Its Kafka partition")
    offset: int = Field(description="Its offset in that partition")
    error: str = Field(description="The error of the last attempt")
    attempts: int = Field(description="How many times handling it was tried")
    created_at: datetime = Field(description="When it was set aside (UTC)")
    replayed_at: datetime | None = Field(
        description="When an operator last replayed it (UTC); null if never"
    )


class ParkedRead(BaseModel):
    """An event waiting for something it refers to."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "event_id": "5f2a9c1e-7b3d-4a8e-9c6f-1e2d3b4a5c6d",
                    "event_type": "registration.application.submitted",
                    "key": "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                    "reason": "delegation 2f6c8a4e-1b3d-4e5f-9a7b-8c9d0e1f2a3b is not known yet",
                    "attempts": 2,
                    "parked_at": "2026-07-02T09:14:03.512000Z",
                }
            ]
        }
    )

    id: int = Field(description="The parked event's number")
    event_id: str = Field(description="The CloudEvent id")
    event_type: str = Field(description="The CloudEvent type")
    key: str = Field(
        description="The event's subject (its Kafka key): later events of the same subject wait "
        "behind it"
    )
    reason: str = Field(description="What it refers to that this service has not learnt of yet")
    attempts: int = Field(description="How many times it was tried")
    parked_at: datetime = Field(description="When it was parked (UTC)")


class RepublishRequest(BaseModel):
    """Where a republish starts: an ISO-8601 moment with its offset."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"since": "2026-07-02T06:00:00Z"}]})

    since: AwareDatetime = Field(
        description="Every event committed at or after this moment is published again; with an "
        "offset, not in the future and within the outbox retention"
    )


class RepublishAnswer(BaseModel):
    """How many outbox rows wait to be published again."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"queued": 214}]})

    queued: int = Field(description="Events queued for publishing again (dead letters excluded)")


def checked_since(since: datetime, *, retention_hours: float) -> datetime:
    """The moment itself, or a 422 naming `since` when it is in the future or past the retention."""
    problem = since_problem(since, retention_hours=retention_hours)
    if problem is not None:
        raise RequestValidationError(
            [{"loc": ("body", "since"), "msg": problem, "type": "value_error", "input": None}]
        )
    return since


def operations_router(get_runtime: Callable[[Request], Any], policy: Policy) -> APIRouter:
    """Dead letters and parked events of this service: list and replay (its policy's `operations`)."""
    router = APIRouter(
        prefix="/v1/ops", tags=["operations"], dependencies=[policy.allows("operations")]
    )

    @router.get("/dead-letters", response_model=Page[DeadLetterRead])
    async def list_dead_letters(request: Request, page: PageDep) -> Page[DeadLetterRead]:
        rt = get_runtime(request)
        d = rt.tables.dead_letters
        async with rt.engine.connect() as conn:
            total = await conn.scalar(select(func.count()).select_from(d))
            rows = (
                await conn.execute(
                    select(d).order_by(d.c.id.desc()).limit(page.limit).offset(page.offset)
                )
            ).all()
        items = [DeadLetterRead.model_validate(r, from_attributes=True) for r in rows]
        return Page(items=items, total=total or 0, limit=page.limit, offset=page.offset)

    @router.post(
        "/dead-letters/{dead_letter_id}/replay",
        responses=_shows(
            {"outcome": "handled"}, "The outcome: handled, duplicate (done before) or parked"
        ),
    )
    async def replay_dead_letter(
        request: Request, dead_letter_id: Annotated[int, Path(ge=1, le=MAX_BIGINT)]
    ) -> dict[str, str]:
        rt = get_runtime(request)
        try:
            outcome = await rt.consumer.replay_dead_letter(dead_letter_id)
        except LookupError as exc:
            raise NotFound(f"dead letter {dead_letter_id} does not exist") from exc
        except ValueError as exc:
            # a parse error may quote the value, so only the missing handler is named
            why = str(exc) if str(exc).startswith("no handler") else "its value is no CloudEvent"
            raise Conflict(
                f"dead letter {dead_letter_id} cannot be replayed: {why}; it stays a dead letter"
            ) from exc
        return {"outcome": outcome}

    @router.get("/parked-events", response_model=Page[ParkedRead])
    async def list_parked(request: Request, page: PageDep) -> Page[ParkedRead]:
        rt = get_runtime(request)
        p = rt.tables.parked
        async with rt.engine.connect() as conn:
            total = await conn.scalar(select(func.count()).select_from(p))
            rows = (
                await conn.execute(select(p).order_by(p.c.id).limit(page.limit).offset(page.offset))
            ).all()
        items = [
            ParkedRead(
                id=r.id,
                event_id=r.event_id,
                event_type=r.envelope["type"],
                key=r.key,
                reason=r.reason,
                attempts=r.attempts,
                parked_at=r.parked_at,
            )
            for r in rows
        ]
        return Page(items=items, total=total or 0, limit=page.limit, offset=page.offset)

    @router.post("/outbox/republish", status_code=202, response_model=RepublishAnswer)
    async def republish(request: Request, body: RepublishRequest) -> RepublishAnswer:
        """Publish every event committed since a moment again; consumers absorb the duplicates."""
        rt = get_runtime(request)
        since = checked_since(body.since, retention_hours=rt.settings.outbox_retention_hours)
        queued = await republish_since(rt.engine, rt.tables, since, skip_types=(DEAD_LETTER_TYPE,))
        log.warning("outbox republish queued", since=since.isoformat(), rows=queued)
        return RepublishAnswer(queued=queued)

    return router


async def database_ready(engine: Any) -> bool:
    """The database answers."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return True
