"""The webhook worker: each endpoint has its own queue and concurrency limit, so none waits on
another."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from plenary_notification.adapters import egress, webhooks
from plenary_notification.adapters.repository import Repository
from plenary_notification.config import Settings
from plenary_notification.domain import model
from plenary_notification.domain.model import signing_secrets
from plenary_notification.entrypoints.state import State
from plenary_notification.service_layer import webhooks as webhook_cases
from plenary_shared import metrics, tracing
from plenary_shared.db import single_statements
from plenary_shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)


async def deliver_forever(rt: ServiceRuntime[State, Settings]) -> None:
    """Deliver due webhooks until cancelled; woken when deliveries are queued or one finishes."""
    settings: Settings = rt.settings
    async with egress.guarded_client(settings.egress_policy) as http:
        await Dispatcher(rt, http).run()


# with deliveries in flight, how often the dispatcher looks for retries that fell due
BUSY_POLL_SECONDS = 1.0


class Dispatcher:
    """Leases due deliveries while there is room, and never waits for a slow one to lease more."""

    def __init__(self, rt: ServiceRuntime[State, Settings], http) -> None:
        self.rt = rt
        self.http = http
        self.settings: Settings = rt.settings
        self.wake: asyncio.Event = rt.state.delivery_wake
        self.in_flight: Counter[UUID] = Counter()
        # when this process last wrote a subscription's success (monotonic seconds)
        self.success_told: dict[UUID, float] = {}
        self.tasks: set[asyncio.Task] = set()
        self.settled = GroupWrite(self.settle)
        # the last lease filled every free slot: what finishes makes room for more now
        self.filled = False
        # a lease is being taken, with the slots free when it began
        self.leasing = False

    async def run(self) -> None:
        """The dispatch loop: woken when deliveries are queued or finish, and when the next
        retry falls due; `webhook_poll_seconds` is only its longest sleep."""
        try:
            while True:
                self.wake.clear()
                room = self.settings.webhook_concurrency - len(self.tasks)
                leased = await self.lease(room) if room > 0 else 0
                self.filled = room <= 0 or leased == room
                if leased and leased == room:
                    continue
                # while deliveries are in flight each one that finishes wakes the loop, and a
                # retry that falls due meanwhile is looked for every second
                longest = self.settings.webhook_poll_seconds
                if self.tasks:
                    timeout = min(longest, BUSY_POLL_SECONDS)
                else:
                    timeout = await self.idle_wait(longest)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=timeout)
        finally:
            # let what is in flight finish and be recorded, so that a restart sends nothing twice
            if self.tasks:
                await asyncio.wait(self.tasks, timeout=self.settings.webhook_timeout_seconds + 5)

    async def lease(self, room: int) -> int:
        """Claim what may start now and start it."""
        lease = timedelta(seconds=self.settings.webhook_timeout_seconds * 3)
        self.leasing = True
        try:
            async with single_statements(self.rt.engine) as conn:
                due = await Repository(conn).lease_due(
                    limit=room,
                    lease=lease,
                    per_endpoint=self.settings.webhook_endpoint_concurrency,
                    busy={k: v for k, v in self.in_flight.items() if v},
                )
        finally:
            self.leasing = False
        for delivery in due:
            self.in_flight[delivery.subscription_id] += 1
            task = asyncio.create_task(self.deliver(delivery))
            self.tasks.add(task)
            task.add_done_callback(self._done(delivery.subscription_id))
        return len(due)

    async def idle_wait(self, longest: float) -> float:
        """Until the next delivery falls due (a retry, or a lease held elsewhere that runs out)."""
        now = datetime.now(UTC)
        async with single_statements(self.rt.engine) as conn:
            due = await Repository(conn).next_delivery_due(now=now)
        return model.idle_wait(due, now=now, longest=longest)

    def _done(self, subscription_id: UUID):
        def finished(task: asyncio.Task) -> None:
            self.tasks.discard(task)
            # a finish only lets more start when it frees a slot a lease wanted: all of them
            # were taken, or this endpoint's were, or one is being leased without it (retries
            # falling due are looked for at least every BUSY_POLL_SECONDS while busy)
            held_back = (
                self.leasing
                or self.filled
                or self.in_flight[subscription_id] >= self.settings.webhook_endpoint_concurrency
            )
            self.in_flight[subscription_id] -= 1
            if not self.in_flight[subscription_id]:
                del self.in_flight[subscription_id]
            if held_back:
                self.wake.set()

        return finished

    async def deliver(self, delivery) -> None:
        """Send one delivery (a leased row with its subscription's url and secrets) and record
        the outcome; with tracing on, a client span in the trace of the event it carries."""
        span = tracing.start(
            "webhook deliver",
            kind=tracing.SpanKind.CLIENT,
            parent={
                k: delivery.envelope[k]
                for k in ("traceparent", "tracestate")
                if k in delivery.envelope
            },
            attributes={
                "http.request.method": "POST",
                "messaging.message.id": delivery.event_id,
                "cloudevents.event_type": delivery.event_type,
                "plenary.delivery_id": str(delivery.id),
                "plenary.attempt": delivery.attempts,
            },
        )
        try:
            attempt = await webhooks.send(
                self.http,
                url=delivery.url,
                signing_secrets=signing_secrets(delivery),
                message_id=delivery.event_id,
                body=json.dumps(delivery.envelope, separators=(",", ":")),
                timeout=self.settings.webhook_timeout_seconds,
            )
        except BaseException as exc:
            tracing.end(span, exc)
            raise
        metrics.DELIVERY_DURATION.labels(channel="webhook").observe(attempt.latency_ms / 1000)
        if span is not None:
            if attempt.status_code is not None:
                span.set_attribute("http.response.status_code", attempt.status_code)
            tracing.end(span, failed=attempt.error is not None)
        now = time.monotonic()
        told = self.success_told.get(delivery.subscription_id, -1.0) > now - 1.0
        try:
            if attempt.error is None:
                await self.settled.add((delivery, attempt, told))
                outcome = "delivered"
            else:
                outcome = await self.record_failure(delivery, attempt)
        except Exception:
            log.exception("recording a webhook attempt failed", delivery_id=str(delivery.id))
            return
        # "pending": to be tried again
        counted = "retry" if outcome == "pending" else outcome
        metrics.DELIVERIES.labels(channel="webhook", outcome=counted).inc()
        if attempt.error is not None:
            self.success_told.pop(delivery.subscription_id, None)
        elif not told:
            self.success_told[delivery.subscription_id] = now
        # each attempt is a row of delivery_attempts; the log tells failures, and successes at
        # debug level (a line per delivery costs more CPU than its database row)
        (log.debug if attempt.error is None else log.info)(
            "webhook attempt",
            delivery_id=str(delivery.id),
            subscription_id=str(delivery.subscription_id),
            event_type=delivery.event_type,
            status_code=attempt.status_code,
            latency_ms=round(attempt.latency_ms, 1),
            outcome=outcome,
            attempt=delivery.attempts,
        )

    async def record_failure(self, delivery, attempt: webhooks.Attempt) -> str:
        """A failed attempt: logged, and the delivery retried later or given up (and told)."""
        settings = self.settings
        async with self.rt.unit_of_work() as uow:
            return await webhook_cases.record_failure(
                uow,
                delivery=delivery,
                attempt=attempt,
                policy=settings.webhook_retry,
                disable_after=timedelta(seconds=settings.webhook_disable_after_seconds),
                on_mail_queued=self.rt.state.mail_wake.set,
            )

    async def settle(self, batch: list) -> None:
        """Successes that finished meanwhile, written together: one statement for the deliveries
        and their attempts, one more for receivers not recorded well within the last second."""
        now = datetime.now(UTC)
        async with single_statements(self.rt.engine) as conn:
            await webhook_cases.record_successes(Repository(conn), batch, now=now)


class GroupWrite:
    """Items written in batches: the first caller writes what is queued, round after round,
    while later callers queue and wait for the round that holds theirs."""

    def __init__(self, write: Callable[[list], Awaitable[None]]) -> None:
        self.write = write
        self.queue: list[tuple[object, asyncio.Future]] = []
        self.writing = False

    async def add(self, item) -> None:
        """Queue an item; returns once it is written (raises what the write raised)."""
        done = asyncio.get_running_loop().create_future()
        self.queue.append((item, done))
        if not self.writing:
            self.writing = True
            try:
                while self.queue:
                    batch, self.queue = self.queue, []
                    await self._round(batch)
            finally:
                self.writing = False
        await done

    async def _round(self, batch: list[tuple[object, asyncio.Future]]) -> None:
        try:
            await self.write([item for item, _ in batch])
        except Exception as exc:
            for _, done in batch:
                done.set_exception(exc)
        except BaseException:
            # cancelled: nobody is left to write the rest, so every waiter hears it
            for _, done in [*batch, *self.queue]:
                done.set_exception(RuntimeError("the writer was cancelled"))
            self.queue = []
            raise
        else:
            for _, done in batch:
                done.set_result(None)
