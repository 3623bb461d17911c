"""Composition root of the notification service."""

import asyncio

from fastapi import FastAPI

from plenary_notification.adapters.tables import messaging
from plenary_notification.config import Settings
from plenary_notification.entrypoints import consumers
from plenary_notification.entrypoints.api import emails
from plenary_notification.entrypoints.api import stream as stream_routes
from plenary_notification.entrypoints.api.policy import POLICY
from plenary_notification.entrypoints.api.routes import router
from plenary_notification.service_layer import stream
from plenary_notification.service_layer.delivery import deliver_forever
from plenary_notification.service_layer.mailing import batch_forever, digest_forever, mail_forever
from plenary_shared.runtime import ServiceRuntime, build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """The notification app with its relay, consumer, webhook and e-mail workers."""
    settings = settings or Settings()
    webhook_wake, mail_wake, changes_wake = asyncio.Event(), asyncio.Event(), asyncio.Event()
    listeners = stream.Listeners()
    runtime = ServiceRuntime(
        name="notification",
        settings=settings,
        tables=messaging,
        handlers=consumers.handlers_for(
            settings,
            webhooks_queued=webhook_wake.set,
            mail_queued=mail_wake.set,
            changes_batched=changes_wake.set,
            listeners=listeners,
        ),
        consumes=consumers.CONSUMES,
        express=consumers.EXPRESS,
        background=[
            deliver_forever,
            mail_forever,
            digest_forever,
            batch_forever,
            stream.prune_forever,
        ],
        state={},
    )
    runtime.state["delivery_wake"] = webhook_wake
    runtime.state["mail_wake"] = mail_wake
    runtime.state["changes_wake"] = changes_wake
    runtime.state["stream_listeners"] = listeners
    return build_app(
        title="Plenary notification",
        description="Subscriptions and their deliveries by webhook, e-mail and live stream.",
        runtime=runtime,
        routers=[router, emails.router, stream_routes.router],
        policy=POLICY,
    )
