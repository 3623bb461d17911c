"""The running parts of one service: engine, producer, relay, consumer, HTTP client, and its app."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, Generic

import httpx
import structlog
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typing_extensions import TypeVar

from plenary_shared import idempotency, metrics, topics, tracing
from plenary_shared.api import (
    BodyLimitMiddleware,
    TelemetryMiddleware,
    database_ready,
    health_router,
    operations_router,
)
from plenary_shared.auth import CurrentPrincipal, TokenVerifier, current_principal
from plenary_shared.authz import Policy, guard
from plenary_shared.consumer import DEAD_LETTER_TYPE, ConsumerConfig, EventConsumer, Handler
from plenary_shared.db import Repositories, UnitOfWork, make_engine
from plenary_shared.envelope import CloudEvent
from plenary_shared.errors import install_error_handlers
from plenary_shared.events.registration import SessionEnded
from plenary_shared.kafka import make_consumer, make_producer
from plenary_shared.logging import configure_logging
from plenary_shared.messaging_tables import MessagingTables
from plenary_shared.outbox import OutboxRelay, prune_forever, republish_since, retention_horizon
from plenary_shared.problem_docs import document_problems
from plenary_shared.sessions import EndedSessions, on_session_ended
from plenary_shared.settings import ServiceSettings
from plenary_shared.topic_keeper import TopicKeeper

log = structlog.get_logger(__name__)

BackgroundTask = Callable[["ServiceRuntime"], Awaitable[None]]
# `ServiceRuntime[State, Settings]` where a service reads its own state and settings typed
StateT = TypeVar("StateT", default=Any)
SettingsT = TypeVar("SettingsT", bound=ServiceSettings, default=Any)


class ServiceRuntime(Generic[StateT, SettingsT]):
    """Everything a service holds for its lifetime; built once in the composition root.

    `state` is the service's own typed object (wake-up events, keys, listeners); `repositories`
    builds the repository every unit of work carries as `uow.repo`.
    """

    def __init__(
        self,
        *,
        name: str,
        settings: SettingsT,
        tables: MessagingTables,
        handlers: dict[str, Handler],
        consumes: Sequence[str],
        express: Sequence[str] = (),
        background: Sequence[BackgroundTask] = (),
        repositories: Repositories | None = None,
        state: StateT,
    ) -> None:
        self.name = name
        self.repositories = repositories
        self.state: StateT = state
        self.settings = settings
        self.tables = tables
        self.source = f"/plenary/{name}"
        self.engine: AsyncEngine = make_engine(settings.database_url, schema=tables.schema)
        self.producer = make_producer(settings.kafka_bootstrap_servers)
        self.http = httpx.AsyncClient(timeout=settings.http_timeout_seconds)
        handlers, express = _with_ended_sessions(tables, handlers, consumes, express)
        self.relay = OutboxRelay(
            engine=self.engine,
            database_url=settings.database_url,
            tables=tables,
            producer=self.producer,
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
            listening_poll_seconds=settings.relay_listening_poll_seconds,
        )
        self.consumer = EventConsumer(
            name=name,
            engine=self.engine,
            tables=tables,
            source=self.source,
            handlers=handlers,
            producer=self.producer,
            consumer_factory=lambda **options: make_consumer(
                settings.kafka_bootstrap_servers,
                *consumes,
                group_id=name,
                fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
                **options,
            ),
            express_factory=(
                lambda **options: make_consumer(
                    settings.kafka_bootstrap_servers,
                    *express,
                    group_id=f"{name}.express",
                    fetch_max_wait_ms=settings.kafka_express_fetch_max_wait_ms,
                    **options,
                )
            )
            if express
            else None,
            repositories=repositories,
            config=ConsumerConfig(
                max_attempts=settings.consumer_max_attempts,
                backoff_seconds=settings.consumer_backoff_seconds,
                park_retry_seconds=settings.park_retry_seconds,
                park_max_age_seconds=settings.park_max_age_seconds,
                idle_fetch_max_wait_ms=settings.kafka_idle_fetch_max_wait_ms,
                express_idle_fetch_max_wait_ms=settings.kafka_express_idle_fetch_max_wait_ms,
                idle_after_seconds=settings.kafka_idle_after_seconds,
            ),
        )
        self.topics = TopicKeeper(
            service=name,
            bootstrap=settings.kafka_bootstrap_servers,
            topics=(*topics.EVENT_TOPICS, self.consumer.dead_letter_topic),
            partitions=settings.topic_partitions,
            replication_factor=settings.topic_replication_factor,
            check_seconds=settings.topic_check_seconds,
            recover=self._recover_from_broker_loss,
            partitions_changed=self.consumer.rejoin,
        )
        self._background = background
        self._tasks: list[asyncio.Task] = []
        self._lag_labels: set[tuple[str, str]] = set()

    def unit_of_work(self, *, correlation_id: str | None = None) -> UnitOfWork:
        """A new unit of work for one command."""
        return UnitOfWork(
            engine=self.engine,
            tables=self.tables,
            source=self.source,
            correlation_id=correlation_id,
            repositories=self.repositories,
        )

    async def start(self) -> None:
        """Check the topics, connect, and start relay, consumer and background work."""
        await self.producer.start()
        await self.topics.start()
        self._tasks = [
            asyncio.create_task(self._supervise("topics", self.topics.run)),
            asyncio.create_task(self._supervise("relay", self.relay.run)),
            asyncio.create_task(self._supervise("consumer", self.consumer.run)),
            asyncio.create_task(self._supervise("outbox-pruning", self._prune_outbox)),
            *(
                asyncio.create_task(
                    self._supervise(getattr(t, "__name__", "task"), functools.partial(t, self))
                )
                for t in self._background
            ),
        ]

    async def refresh_metrics(self) -> None:
        """The gauges that need a look, brought up to date (at scrape time, never per request or
        event): pool use from memory, the outbox and parking in one query, then the consumer lag
        from what the Kafka clients hold."""
        metrics.DB_POOL_IN_USE.labels(service=self.name).set(self.engine.pool.checkedout())  # type: ignore[attr-defined]
        o, p = self.tables.outbox, self.tables.parked
        unsent = o.c.sent_at.is_(None)
        query = select(
            select(func.count()).where(unsent).scalar_subquery(),
            # the first unsent row by id (the partial index), not a scan for the least time
            select(func.extract("epoch", func.now() - o.c.created_at))
            .where(unsent)
            .order_by(o.c.id)
            .limit(1)
            .scalar_subquery(),
            select(func.count()).select_from(p).where(p.c.consumer == self.name).scalar_subquery(),
        )
        async with self.engine.connect() as conn:
            backlog, oldest, parked = (await conn.execute(query)).one()
        metrics.OUTBOX_BACKLOG.labels(service=self.name).set(backlog or 0)
        metrics.OUTBOX_OLDEST_AGE.labels(service=self.name).set(float(oldest or 0))
        metrics.PARKED_EVENTS.labels(service=self.name).set(parked or 0)
        # a partition whose position is not known yet makes this wait, never for long
        lags = await asyncio.wait_for(self.consumer.lags(), timeout=2)
        labels = {(tp.topic, str(tp.partition)) for tp in lags}
        for topic, partition in self._lag_labels - labels:
            metrics.CONSUMER_LAG.remove(self.name, topic, partition)
        self._lag_labels = labels
        for tp, lag in lags.items():
            metrics.CONSUMER_LAG.labels(
                service=self.name, topic=tp.topic, partition=str(tp.partition)
            ).set(lag)

    async def _recover_from_broker_loss(
        self, repair: Callable[[], Awaitable[None]], starting: bool
    ) -> None:
        """Remake the topics, rewind the consumers and (where configured) republish the outbox.

        The relay publishes nothing meanwhile. Before republishing, a running service waits a
        grace period, so every service has rewound its consumers to the records to come.
        """
        self.relay.pause()
        try:
            await repair()
            # the producer may still see a replaced topic's partitions, and a key sent to one
            # that no longer exists is lost
            await self.producer.client.force_metadata_update()
            self.consumer.rewind()
            if not self.settings.broker_loss_republish:
                # at start this may be a new broker's first day; while running it is a loss
                (log.warning if starting else log.error)(
                    "if the broker lost this service's topics, events published before now may"
                    " be lost: run `plenary republish --since <when the broker was last whole>`",
                    service=self.name,
                )
                return
            if not starting:
                await asyncio.sleep(self.settings.broker_loss_grace_seconds)
            since = retention_horizon(self.settings.outbox_retention_hours)
            queued = await republish_since(
                self.engine, self.tables, since, skip_types=(DEAD_LETTER_TYPE,)
            )
            (log.info if starting and not queued else log.warning)(
                "outbox republished after the broker lost its topics",
                service=self.name,
                rows=queued,
            )
        finally:
            self.relay.resume()

    async def _prune_outbox(self) -> None:
        """Delete sent outbox rows older than the retention."""
        await prune_forever(
            self.engine,
            self.tables,
            retention_hours=self.settings.outbox_retention_hours,
            every_seconds=self.settings.outbox_prune_seconds,
            batch_size=self.settings.outbox_prune_batch,
        )

    async def stop(self) -> None:
        """Stop background work, then close connections."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.producer.stop()
        await self.topics.stop()
        await self.http.aclose()
        await self.engine.dispose()

    async def _supervise(self, what: str, run: Callable[[], Awaitable[None]]) -> None:
        """Restart a background loop that crashed, after a pause."""
        while True:
            try:
                await run()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background loop crashed; restarting", loop=what)
                await asyncio.sleep(1.0)


def _with_ended_sessions(
    tables: MessagingTables,
    handlers: dict[str, Handler],
    consumes: Sequence[str],
    express: Sequence[str],
) -> tuple[dict[str, Handler], Sequence[str]]:
    """Every service keeps the ended sessions, read on the express lane (a person waits on it)."""
    record = on_session_ended(tables.ended_sessions)
    own = handlers.get(SessionEnded.event_type)

    async def handle(uow: UnitOfWork, event: CloudEvent) -> None:
        await record(uow, event)
        if own is not None:
            await own(uow, event)

    handlers = {**handlers, SessionEnded.event_type: handle}
    if SessionEnded.topic not in (*consumes, *express):
        express = (*express, SessionEnded.topic)
    return handlers, express


def operation_id(route: APIRoute) -> str:
    """An operation's id is its function's name (`create_meeting`, not
    `create_meeting_v1_meetings_post`): what a generated client names its method."""
    return route.name


def runtime_of(request: Request) -> ServiceRuntime:
    """The service runtime of the app serving this request."""
    return request.app.state.runtime


async def get_runtime(request: Request) -> ServiceRuntime:
    """The service runtime, as a dependency (async: no trip through the thread pool)."""
    return request.app.state.runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=idempotency.HEADER,
        description="A key of your choosing (a UUID, say) that makes a retried request act once:"
        " a retry with the same key and body gets the first answer; with another body, 422."
        " 1 to 200 printable characters.",
        examples=["2f1c6c1e-6a1b-4c2e-9d51-0f3c2a7b9e10"],
    ),
]
CorrelationId = Annotated[
    str | None,
    Header(
        alias="X-Correlation-ID",
        description="Carried as `correlationid` by every event this request causes, and by the"
        " events those cause in turn.",
    ),
]


async def request_unit_of_work(
    request: Request,
    principal: CurrentPrincipal,
    key: IdempotencyKey = None,
    correlation_id: CorrelationId = None,
) -> UnitOfWork:
    """A unit of work for one request: correlated by X-Correlation-ID, keyed by Idempotency-Key."""
    # without the header, the one TelemetryMiddleware made up (and the logs carry)
    correlation_id = correlation_id or tracing.IDS.get()[0]
    uow = runtime_of(request).unit_of_work(correlation_id=correlation_id)
    if key is not None:
        uow.idempotency = idempotency.IdempotencyClaim.of(
            principal=principal.subject,
            key=key,
            method=request.method,
            path=request.url.path,
            body=await request.body(),
        )
    return uow


UnitOfWorkDep = Annotated[UnitOfWork, Depends(request_unit_of_work)]


def build_app(
    *,
    title: str,
    description: str,
    runtime: ServiceRuntime,
    routers: Sequence[APIRouter],
    policy: Policy,
    public_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The service's FastAPI app: every /v1 router requires a bearer token, except those named public."""
    settings = runtime.settings
    configure_logging(
        service=runtime.name,
        level=settings.log_level,
        json=settings.log_json,
        kafka_level=settings.kafka_log_level,
    )
    tracing.configure_tracing(runtime.name)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        log.info("service started", service=runtime.name, tracing=tracing.enabled())
        try:
            yield
        finally:
            await runtime.stop()
            tracing.shutdown()

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier(
        public_key_pem=settings.jwt_public_key,
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )
    app.state.ended_sessions = EndedSessions(runtime.engine, runtime.tables.ended_sessions)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(TelemetryMiddleware, service=runtime.name)

    async def relay_running() -> bool:
        return runtime.relay.running

    async def consumer_running() -> bool:
        return runtime.consumer.running

    async def relay_listening() -> bool:
        return runtime.relay.listening

    async def topics_as_configured() -> bool:
        return runtime.topics.healthy

    async def broker_reachable() -> bool:
        return runtime.topics.reachable

    app.include_router(
        health_router(
            {
                "database": lambda: database_ready(runtime.engine),
                "relay": relay_running,
                "consumer": consumer_running,
                # a topic missing or with another partition count than configured
                "topics": topics_as_configured,
            },
            # a relay that only polls still delivers, only slower; a broker away is waited out
            reports={"relay_listening": relay_listening, "broker": broker_reachable},
            before_scrape=runtime.refresh_metrics,
        )
    )
    secured = [Depends(current_principal)]
    for router in routers:
        app.include_router(router, dependencies=secured)
    app.include_router(operations_router(runtime_of, policy), dependencies=secured)
    for router in public_routers:
        app.include_router(router)
    app.state.policy = policy
    guard(app, policy)
    document_problems(app)
    return app
