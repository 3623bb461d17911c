"""Composition root of the notification service."""

from fastapi import FastAPI

from plenary_notification.adapters.repository import Repository
from plenary_notification.adapters.tables import messaging
from plenary_notification.config import Settings
from plenary_notification.entrypoints import consumers, workers
from plenary_notification.entrypoints.api import emails, subscriptions
from plenary_notification.entrypoints.api import stream as stream_routes
from plenary_notification.entrypoints.api.policy import POLICY
from plenary_notification.entrypoints.state import State
from plenary_shared.runtime import ServiceRuntime, build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """The notification app with its relay, consumer, webhook and e-mail workers."""
    settings = settings or Settings()
    state = State()
    runtime = ServiceRuntime(
        name="notification",
        settings=settings,
        tables=messaging,
        handlers=consumers.handlers_for(
            settings,
            webhooks_queued=state.delivery_wake.set,
            mail_queued=state.mail_wake.set,
            changes_batched=state.changes_wake.set,
            listeners=state.stream_listeners,
        ),
        consumes=consumers.CONSUMES,
        express=consumers.EXPRESS,
        background=workers.BACKGROUND,
        repositories=Repository,
        state=state,
    )
    return build_app(
        title="Plenary notification",
        description="Subscriptions and their deliveries by webhook, e-mail and live stream.",
        runtime=runtime,
        routers=[subscriptions.router, emails.router, stream_routes.router],
        policy=POLICY,
    )
