"""Composition root of the notification service."""

import asyncio

from fastapi import FastAPI

from plenary_notification.adapters.tables import messaging
from plenary_notification.config import Settings
from plenary_notification.entrypoints import consumers
from plenary_notification.entrypoints.api.routes import router
from plenary_notification.service_layer.delivery import deliver_forever
from plenary_shared.runtime import ServiceRuntime, build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """The notification app with its relay, consumer and webhook worker."""
    settings = settings or Settings()
    wake = asyncio.Event()
    runtime = ServiceRuntime(
        name="notification",
        settings=settings,
        tables=messaging,
        handlers=consumers.handlers_for(on_queued=wake.set),
        consumes=consumers.CONSUMES,
        background=[deliver_forever],
    )
    runtime.state["delivery_wake"] = wake
    return build_app(
        title="Plenary notification",
        description="Subscriptions and their deliveries by webhook.",
        runtime=runtime,
        routers=[router],
    )
