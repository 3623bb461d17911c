"""Composition root of the delegation service."""

from fastapi import FastAPI

from plenary_delegation.adapters.repository import Repository
from plenary_delegation.adapters.tables import messaging
from plenary_delegation.config import Settings
from plenary_delegation.entrypoints import consumers
from plenary_delegation.entrypoints.api import delegations, focal_points, logistics, waiting_list
from plenary_delegation.entrypoints.api.policy import POLICY
from plenary_shared.runtime import ServiceRuntime, build_app


def create_app(settings: Settings | None = None) -> FastAPI:
    """The delegation app with its relay and consumer."""
    settings = settings or Settings()
    runtime = ServiceRuntime(
        name="delegation",
        settings=settings,
        tables=messaging,
        handlers=consumers.HANDLERS,
        consumes=consumers.CONSUMES,
        repositories=Repository,
        state=None,
    )
    return build_app(
        title="Plenary delegation",
        description="Delegations per meeting, heads, focal points and quotas.",
        runtime=runtime,
        routers=[delegations.router, waiting_list.router, focal_points.router, logistics.router],
        policy=POLICY,
    )
