"""No request is sent through the thread pool: every route and dependency of every service is async."""

import importlib
import inspect

import pytest
from cryptography.fernet import Fernet

from plenary_shared.authz import OfflineService, v1_routes

SERVICES = ("scheduling", "delegation", "registration", "notification")


def _is_async(call) -> bool:
    return any(
        check(c)
        for c in (call, type(call).__call__)
        for check in (inspect.iscoroutinefunction, inspect.isasyncgenfunction)
    )


def _sync_parts(route) -> set[str]:
    """Names of the route's endpoint and dependencies, at any depth, that are not async."""
    found = set()
    endpoint = route.original_route.endpoint
    if not _is_async(endpoint):
        found.add(f"endpoint {endpoint.__qualname__}")
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        if dep.call is not None and not _is_async(dep.call):
            found.add(f"{dep.call.__module__}.{dep.call.__qualname__}")
        pending.extend(dep.dependencies)
    return found


@pytest.mark.parametrize("service", SERVICES)
async def test_every_route_and_dependency_is_async(service):
    main = importlib.import_module(f"plenary_{service}.main")
    config = importlib.import_module(f"plenary_{service}.config")
    extra = {"data_key": Fernet.generate_key().decode()} if service == "registration" else {}
    app = OfflineService(fill="x").app(main.create_app, config.Settings, **extra)
    routes = list(v1_routes(app))
    assert len(routes) > 10
    sync = {f"{m} {p}: {part}" for m, p, route in routes for part in _sync_parts(route)}
    assert sync == set(), "these run in the thread pool: make them `async def`"
