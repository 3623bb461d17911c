"""The delegation service's policy guards every route, and the route table answers by it."""

import uuid

import pytest

from plenary_delegation.config import Settings
from plenary_delegation.entrypoints.api.policy import POLICY
from plenary_delegation.main import create_app
from plenary_shared.auth import Principal, Role
from plenary_shared.authz import OfflineService, Scope, route_action, unguarded_routes, v1_routes
from plenary_shared.errors import Forbidden

MINE = uuid.uuid4()
# what a focal point may do for its own delegation; everything else is organiser staff's
FOCAL_POINT_ACTIONS = {
    "delegations.list",
    "delegations.read",
    "waiting_list.read",
    "waiting_list.configure",
    "focal_points.list",
    "movements.record",
    "movements.list",
    "accommodation.set",
    "accommodation.read",
    "liaison.read",
}
OFFLINE = OfflineService(fill=str(MINE))


@pytest.fixture(scope="module")
async def app():
    return OFFLINE.app(create_app, Settings)


probe = OFFLINE.probe


token = OFFLINE.token


async def test_every_route_declares_an_action_of_the_policy(app):
    assert unguarded_routes(app, POLICY) == []
    assert POLICY.public == frozenset()
    used = {route_action(route) for _, _, route in v1_routes(app)}
    assert used == set(POLICY.rules)


def test_participants_reach_nothing_and_focal_points_only_their_delegation():
    for action, roles in POLICY.rules.items():
        assert Role.PARTICIPANT not in roles, action
        assert roles[Role.ORGANISER] is Scope.ALL and roles[Role.ACCREDITATION_DESK] is Scope.ALL
        if action in FOCAL_POINT_ACTIONS:
            assert roles[Role.FOCAL_POINT] is Scope.OWN_DELEGATION, action
        else:
            assert Role.FOCAL_POINT not in roles, action


def test_a_focal_point_grant_is_confined_to_its_delegation():
    focal = Principal(subject="fp", role=Role.FOCAL_POINT, delegation_id=MINE, token="t")
    grant = POLICY.grant(focal, "delegations.list")
    assert grant.only_delegation == MINE
    assert grant.reaches(MINE) and not grant.reaches(uuid.uuid4())
    with pytest.raises(Forbidden, match="no delegation_id claim"):
        POLICY.grant(focal.model_copy(update={"delegation_id": None}), "delegations.list")
    with pytest.raises(Forbidden, match="may not quotas: change"):
        POLICY.grant(focal, "quotas.change")


async def test_a_participant_with_a_delegation_claim_is_refused_every_route(app):
    seen = await probe(app, token(Role.PARTICIPANT, delegation_id=MINE))
    assert len(seen) > 15
    assert {route: status for route, status in seen.items() if status != 403} == {}


async def test_a_focal_point_without_a_delegation_claim_is_refused_every_route(app):
    seen = await probe(app, token(Role.FOCAL_POINT))
    assert {route: status for route, status in seen.items() if status != 403} == {}


async def test_a_focal_point_is_refused_the_organisers_actions(app):
    staff_only = set(POLICY.rules) - FOCAL_POINT_ACTIONS
    seen = await probe(app, token(Role.FOCAL_POINT, delegation_id=MINE), actions=staff_only)
    assert len(seen) >= 8
    assert {route: status for route, status in seen.items() if status != 403} == {}
