"""The policy refuses what a role may not do, and a token missing the claim its role needs."""

import uuid
from typing import Annotated

import pytest
from fastapi import APIRouter, FastAPI

from plenary_shared.auth import Principal, Role
from plenary_shared.authz import (
    NO_DELEGATION,
    Grant,
    Policy,
    Scope,
    everyone,
    guard,
    route_action,
    staff,
    unguarded_routes,
    v1_routes,
)
from plenary_shared.errors import Forbidden

MINE = uuid.uuid4()
POLICY = Policy(
    service="test",
    rules={
        "things.list": everyone(),
        "things.create": staff((Role.FOCAL_POINT, Scope.OWN_DELEGATION)),
        "things.own": staff((Role.PARTICIPANT, Scope.OWN_APPLICATION)),
        "things.desk": {Role.ACCREDITATION_DESK: Scope.ALL},
    },
    public=frozenset({"POST /v1/open"}),
)


def who(role: Role, *, delegation: uuid.UUID | None = None, subject: str = "s") -> Principal:
    return Principal(subject=subject, role=role, delegation_id=delegation, token="t")


def test_organiser_staff_reach_everything():
    grant = POLICY.grant(who(Role.ORGANISER), "things.create")
    assert grant.everything and grant.reaches(uuid.uuid4()) and grant.only_delegation is None


def test_a_focal_point_reaches_only_its_delegation():
    grant = POLICY.grant(who(Role.FOCAL_POINT, delegation=MINE), "things.create")
    assert grant.reaches(MINE) and not grant.reaches(uuid.uuid4())
    assert grant.only_delegation == MINE


def test_a_focal_point_without_a_delegation_claim_is_refused():
    with pytest.raises(Forbidden, match="no delegation_id claim"):
        POLICY.grant(who(Role.FOCAL_POINT), "things.create")


def test_a_participant_with_a_delegation_claim_gets_no_focal_point_power():
    participant = who(Role.PARTICIPANT, delegation=MINE, subject=str(uuid.uuid4()))
    with pytest.raises(Forbidden, match="participant token may not things: create"):
        POLICY.grant(participant, "things.create")
    grant = POLICY.grant(participant, "things.list")
    assert grant.scope is Scope.PUBLIC and not grant.reaches(MINE)
    assert grant.only_delegation == NO_DELEGATION


def test_a_focal_point_needs_its_delegation_claim_whatever_the_scope():
    policy = Policy(service="t", rules={"x.read": {Role.FOCAL_POINT: Scope.PUBLIC}})
    with pytest.raises(Forbidden, match="no delegation_id claim"):
        policy.grant(who(Role.FOCAL_POINT), "x.read")


def test_a_participant_needs_an_application_subject():
    with pytest.raises(Forbidden, match="sub"):
        POLICY.grant(who(Role.PARTICIPANT, subject="not-an-id"), "things.own")
    assert POLICY.grant(who(Role.PARTICIPANT, subject=str(MINE)), "things.own").scope is (
        Scope.OWN_APPLICATION
    )


def test_only_the_roles_named_may_act():
    with pytest.raises(Forbidden, match="allowed: accreditation_desk"):
        POLICY.grant(who(Role.ORGANISER), "things.desk")


def test_an_unknown_action_cannot_be_declared():
    with pytest.raises(KeyError):
        POLICY.allows("things.nope")


def _app(*, guarded: bool) -> FastAPI:
    router = APIRouter(prefix="/v1")

    @router.get("/things")
    async def things(grant: Annotated[Grant, POLICY.allows("things.list")]) -> list:
        return []

    @router.post("/open")
    async def open_route() -> dict:
        return {}

    if not guarded:

        @router.delete("/things")
        async def forgot() -> None:
            return None

    app = FastAPI()
    app.include_router(router)
    return app


def test_every_v1_route_must_declare_an_action_or_be_public():
    assert unguarded_routes(_app(guarded=True), POLICY) == []
    assert unguarded_routes(_app(guarded=False), POLICY) == ["DELETE /v1/things"]
    with pytest.raises(RuntimeError, match="DELETE /v1/things"):
        guard(_app(guarded=False), POLICY)


def test_a_routes_action_is_read_from_its_dependencies():
    actions = {path: route_action(route) for _, path, route in v1_routes(_app(guarded=True))}
    assert actions == {"/v1/things": "things.list", "/v1/open": None}


def test_a_routers_dependency_guards_its_routes():
    router = APIRouter(prefix="/v1/ops", dependencies=[POLICY.allows("things.desk")])

    @router.get("/x")
    async def x() -> None:
        return None

    app = FastAPI()
    app.include_router(router)
    assert [route_action(route) for *_, route in v1_routes(app)] == ["things.desk"]
