"""Composition root of the scheduling service."""

from fastapi import FastAPI

from plenary_scheduling.adapters.repository import Repository
from plenary_scheduling.adapters.tables import messaging
from plenary_scheduling.config import Settings
from plenary_scheduling.entrypoints import consumers
from plenary_scheduling.entrypoints.api import (
    attendance,
    bilaterals,
    calendars,
    meetings,
    sessions,
    versions,
)
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_shared.runtime import ServiceRuntime, build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """The scheduling app with its relay and consumer."""
    settings = settings or Settings()
    runtime = ServiceRuntime(
        name="scheduling",
        settings=settings,
        tables=messaging,
        handlers=consumers.HANDLERS,
        consumes=consumers.CONSUMES,
        repositories=Repository,
        state=None,
    )
    return build_app(
        title="Plenary scheduling",
        description=(
            "Meetings, venues, rooms, sessions, attendance, conflicts, schedule versions, "
            "bilateral meetings and calendar feeds."
        ),
        runtime=runtime,
        routers=[
            meetings.router,
            sessions.router,
            attendance.router,
            versions.router,
            bilaterals.router,
            calendars.router,
        ],
        policy=POLICY,
        public_routers=[calendars.public_router],
    )
