"""Who may do what: one policy per service (action x role -> scope), checked before any read or write."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from plenary_shared.auth import Principal, Role, current_principal, generate_key_pair, mint_token
from plenary_shared.errors import Forbidden

ORGANISER_STAFF = (Role.ORGANISER, Role.ACCREDITATION_DESK)
NO_DELEGATION = uuid.UUID(int=0)


class Scope(StrEnum):
    """How far a role's permission for an action reaches."""

    ALL = "all"  # every meeting, delegation and application
    OWN_DELEGATION = "own_delegation"  # the token's delegation_id claim only
    OWN_APPLICATION = "own_application"  # the participant's own application (token subject)
    OWN = "own"  # what the caller itself created (subscriptions, its own account)
    PUBLIC = "public"  # what is published to every signed-in person (meetings, public sessions)


# the claim each scope needs in the token; a token without it is refused (fail closed)
_CLAIMS = {
    Scope.OWN_DELEGATION: "delegation_id",
    Scope.OWN_APPLICATION: "sub (an application id)",
}


def _has_claim(principal: Principal, scope: Scope) -> bool:
    if scope is Scope.OWN_DELEGATION or principal.role is Role.FOCAL_POINT:
        return principal.delegation_id is not None
    if scope is Scope.OWN_APPLICATION:
        try:
            uuid.UUID(principal.subject)
        except ValueError:
            return False
    return True


def staff(*extra: tuple[Role, Scope]) -> dict[Role, Scope]:
    """Organiser staff everywhere, plus the given (role, scope) pairs."""
    return {**dict.fromkeys(ORGANISER_STAFF, Scope.ALL), **dict(extra)}


def everyone(public: Scope = Scope.PUBLIC) -> dict[Role, Scope]:
    """Every role: staff everywhere, focal points for their delegation, participants as `public`."""
    return staff((Role.FOCAL_POINT, Scope.OWN_DELEGATION), (Role.PARTICIPANT, public))


@dataclass(frozen=True)
class Grant:
    """A principal allowed an action, and how far."""

    principal: Principal
    action: str
    scope: Scope

    @property
    def everything(self) -> bool:
        """The grant reaches every delegation."""
        return self.scope is Scope.ALL

    def reaches(self, delegation_id: uuid.UUID | None) -> bool:
        """The grant covers this delegation's things."""
        if self.scope is Scope.ALL:
            return True
        return self.scope is Scope.OWN_DELEGATION and delegation_id == self.principal.delegation_id

    @property
    def only_delegation(self) -> uuid.UUID | None:
        """The delegation a list is restricted to (None: every one; the nil id: none at all)."""
        if self.scope is Scope.ALL:
            return None
        if self.scope is Scope.OWN_DELEGATION:
            return self.principal.delegation_id
        return NO_DELEGATION  # a participant's delegation_id claim never widens anything


@dataclass
class Policy:
    """One service's rules: for each action, the roles that may take it and how far."""

    service: str
    rules: Mapping[str, Mapping[Role, Scope]]
    public: frozenset[str] = frozenset()  # "METHOD /path" reached without a bearer token
    _dependencies: dict[str, Any] = field(default_factory=dict, repr=False)

    def grant(self, principal: Principal, action: str) -> Grant:
        """The principal's grant for an action; raises 403 if the role or a claim is missing."""
        roles = self.rules[action]
        scope = roles.get(principal.role)
        if scope is None:
            allowed = ", ".join(sorted(r.value for r in roles)) or "nobody"
            raise Forbidden(
                f"a {principal.role.value} token may not {action.replace('.', ': ')}"
                f" (allowed: {allowed})"
            )
        if not _has_claim(principal, scope):
            claim = "delegation_id" if principal.role is Role.FOCAL_POINT else _CLAIMS[scope]
            raise Forbidden(
                f"this {principal.role.value} token has no {claim} claim,"
                " which the role needs; sign in again"
            )
        return Grant(principal=principal, action=action, scope=scope)

    def allows(self, action: str) -> Any:
        """A FastAPI dependency: the caller's grant for `action`, or 401/403 before the route runs."""
        if action not in self.rules:
            raise KeyError(f"{self.service} has no policy for the action {action!r}")
        if action not in self._dependencies:

            async def dependency(principal: Principal = Depends(current_principal)) -> Grant:
                return self.grant(principal, action)

            dependency.__name__ = f"allow_{action.replace('.', '_').replace('-', '_')}"
            dependency.plenary_action = action  # type: ignore[attr-defined]
            self._dependencies[action] = Depends(dependency)
        return self._dependencies[action]

    def table(self) -> list[tuple[str, dict[str, str]]]:
        """The rules as rows (action, role -> scope), for documentation."""
        return [
            (a, {r.value: s.value for r, s in roles.items()}) for a, roles in self.rules.items()
        ]


def route_action(route: Any) -> str | None:
    """The policy action a route is guarded by, found among its dependencies."""
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        action = getattr(dep.call, "plenary_action", None)
        if action is not None:
            return action
        pending.extend(dep.dependencies)
    return None


def v1_routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, route) of every /v1 route of an app, as mounted (router dependencies included)."""
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if isinstance(route.original_route, APIRoute) and path.startswith("/v1"):
            for method in sorted(route.methods or ()):
                yield method, path, route


def unguarded_routes(app: FastAPI, policy: Policy) -> list[str]:
    """The /v1 routes with no policy action that are not declared public."""
    return [
        f"{method} {path}"
        for method, path, route in v1_routes(app)
        if route_action(route) is None and f"{method} {path}" not in policy.public
    ]


def guard(app: FastAPI, policy: Policy) -> None:
    """Refuse to start an app with a /v1 route that declares no policy action."""
    missing = unguarded_routes(app, policy)
    if missing:
        raise RuntimeError("routes without a policy action: " + "; ".join(missing))


async def answers(
    app: FastAPI, bearer: str, *, actions: Iterable[str] | None = None, fill: str
) -> dict[str, int]:
    """The status of every /v1 route (or those of some actions) called in-process with a token.

    Path parameters are filled with `fill`; bodies are empty objects. Meant for unit tests of a
    policy against an app with no database: a request that got past the policy fails, not 403.
    """
    wanted = None if actions is None else set(actions)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    seen = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        for method, path, route in v1_routes(app):
            action = route_action(route)
            if wanted is not None and action not in wanted:
                continue
            response = await http.request(
                method,
                re.sub(r"{\w+}", fill, path),
                json={} if method in ("POST", "PUT", "PATCH") else None,
                headers={"Authorization": f"Bearer {bearer}"},
            )
            seen[f"{method} {path} ({action})"] = response.status_code
    return seen


class OfflineService:
    """Keys, tokens and a probe for a service's app with nothing behind it (policy unit tests)."""

    def __init__(self, *, fill: str) -> None:
        self._private, self._public = generate_key_pair()
        self.fill = fill

    def app(self, create_app: Any, settings_class: Any, **settings: Any) -> FastAPI:
        """The service's app; nothing listens where it would reach, so only the policy answers."""
        return create_app(
            settings_class(
                database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none",
                kafka_bootstrap_servers="127.0.0.1:9",
                jwt_public_key=self._public,
                log_json=False,
                **settings,
            )
        )

    def token(
        self, role: Role, *, delegation_id: uuid.UUID | None = None, subject: str | None = None
    ) -> str:
        """A token the app accepts; a fresh subject unless one is given."""
        return mint_token(
            private_key_pem=self._private,
            role=role,
            subject=subject or str(uuid.uuid4()),
            delegation_id=delegation_id,
        )

    async def probe(
        self, app: FastAPI, bearer: str, *, actions: Iterable[str] | None = None
    ) -> dict[str, int]:
        """Every route's status for a token, path parameters filled with `fill`."""
        return await answers(app, bearer, actions=actions, fill=self.fill)
