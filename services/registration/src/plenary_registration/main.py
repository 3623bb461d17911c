"""Composition root of the registration service."""

from fastapi import FastAPI

from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.adapters.repository import Repository
from plenary_registration.adapters.tables import messaging
from plenary_registration.config import Settings
from plenary_registration.entrypoints import consumers
from plenary_registration.entrypoints.api import (
    accounts,
    applications,
    badges,
    imports,
    letters,
    reports,
    sessions,
)
from plenary_registration.entrypoints.api.policy import POLICY
from plenary_registration.entrypoints.state import RuntimeState
from plenary_registration.entrypoints.workers import import_forever, sweep_forever
from plenary_shared.runtime import ServiceRuntime, build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """The registration app with its relay, consumer, import worker and retention sweep."""
    settings = settings or Settings()
    runtime = ServiceRuntime(
        name="registration",
        settings=settings,
        tables=messaging,
        handlers=consumers.handlers_for(settings),
        consumes=consumers.CONSUMES,
        background=[import_forever, sweep_forever],
        repositories=Repository,
        state=RuntimeState(cipher=DocumentCipher(settings.data_key)),
    )
    return build_app(
        title="Plenary registration",
        description="Participant applications, the accreditation workflow, personal data.",
        runtime=runtime,
        routers=[
            applications.router,
            badges.router,
            imports.router,
            reports.router,
            accounts.router,
            sessions.router,
            letters.router,
        ],
        policy=POLICY,
        public_routers=[accounts.public_router],
    )
