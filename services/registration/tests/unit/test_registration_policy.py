"""The registration service's policy guards every route, and the route table answers by it."""

import uuid
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet

from plenary_registration.config import Settings
from plenary_registration.entrypoints.api.accounts import PUBLIC_PATHS
from plenary_registration.entrypoints.api.policy import POLICY, sees
from plenary_registration.main import create_app
from plenary_shared.auth import Principal, Role
from plenary_shared.authz import (
    NO_DELEGATION,
    OfflineService,
    Scope,
    route_action,
    unguarded_routes,
    v1_routes,
)
from plenary_shared.errors import Forbidden

MINE = uuid.uuid4()
# what a focal point may do for its own delegation; the rest is organiser staff's (or the desk's)
FOCAL_POINT_ACTIONS = {
    "applications.create",
    "applications.list",
    "applications.read",
    "applications.update",
    "applications.photo",
    "applications.history",
    "applications.withdraw",
    "imports.create",
    "imports.read",
    "badges.read",
    "badges.public_key",
    "reports.statistics",
}
# a participant reads its own application and badge, and who it is; nothing of its delegation
PARTICIPANT_ACTIONS = {"applications.read", "badges.read", "badges.public_key"}
OWN_SESSION = {action for action in POLICY.rules if action.startswith("auth.")}
OFFLINE = OfflineService(fill=str(MINE))


@pytest.fixture(scope="module")
async def app():
    return OFFLINE.app(create_app, Settings, data_key=Fernet.generate_key().decode())


probe = OFFLINE.probe


token = OFFLINE.token


async def test_every_route_declares_an_action_of_the_policy(app):
    assert unguarded_routes(app, POLICY) == []
    used = {route_action(route) for _, _, route in v1_routes(app)} - {None}
    assert used == set(POLICY.rules)
    unguarded = {f"{m} {p}" for m, p, route in v1_routes(app) if route_action(route) is None}
    assert unguarded == POLICY.public == {f"POST {path}" for path in PUBLIC_PATHS}


def test_who_may_take_each_action():
    for action, roles in POLICY.rules.items():
        if action == "applications.documents":
            assert roles == {Role.ACCREDITATION_DESK: Scope.ALL}
            continue
        if action.startswith("auth."):  # the caller's own session, whoever it is
            assert roles == dict.fromkeys(Role, Scope.OWN), action
            continue
        assert roles[Role.ORGANISER] is Scope.ALL and roles[Role.ACCREDITATION_DESK] is Scope.ALL
        if action in FOCAL_POINT_ACTIONS:
            assert roles[Role.FOCAL_POINT] is Scope.OWN_DELEGATION, action
        else:
            assert Role.FOCAL_POINT not in roles, action
        if action in PARTICIPANT_ACTIONS - {"badges.public_key"}:
            assert roles[Role.PARTICIPANT] is Scope.OWN_APPLICATION, action
        elif action not in PARTICIPANT_ACTIONS:
            assert Role.PARTICIPANT not in roles, action


def test_a_participant_sees_its_own_application_whatever_its_delegation_claim():
    mine = SimpleNamespace(id=uuid.uuid4(), delegation_id=MINE)
    colleague = SimpleNamespace(id=uuid.uuid4(), delegation_id=MINE)
    participant = Principal(
        subject=str(mine.id), role=Role.PARTICIPANT, delegation_id=MINE, token="t"
    )
    grant = POLICY.grant(participant, "applications.read")
    assert sees(grant, mine) and not sees(grant, colleague)
    assert not grant.reaches(MINE) and grant.only_delegation == NO_DELEGATION
    for action in ("applications.create", "applications.list", "imports.create"):
        with pytest.raises(Forbidden, match="participant token may not"):
            POLICY.grant(participant, action)


def test_a_focal_point_grant_is_confined_to_its_delegation():
    focal = Principal(subject="fp", role=Role.FOCAL_POINT, delegation_id=MINE, token="t")
    grant = POLICY.grant(focal, "reports.statistics")
    assert grant.only_delegation == MINE
    assert sees(grant, SimpleNamespace(id=uuid.uuid4(), delegation_id=MINE))
    assert not sees(grant, SimpleNamespace(id=uuid.uuid4(), delegation_id=uuid.uuid4()))
    with pytest.raises(Forbidden, match="no delegation_id claim"):
        POLICY.grant(focal.model_copy(update={"delegation_id": None}), "reports.statistics")
    for action in ("applications.documents", "applications.decide", "reports.participants"):
        with pytest.raises(Forbidden, match="focal_point token may not"):
            POLICY.grant(focal, action)


def test_only_the_desk_sees_documents():
    for role in Role:
        principal = Principal(subject=str(MINE), role=role, delegation_id=MINE, token="t")
        if role is Role.ACCREDITATION_DESK:
            assert POLICY.grant(principal, "applications.documents").everything
        else:
            with pytest.raises(Forbidden):
                POLICY.grant(principal, "applications.documents")


async def test_a_participant_with_a_delegation_claim_is_refused_all_but_its_own(app):
    refused = set(POLICY.rules) - PARTICIPANT_ACTIONS - OWN_SESSION
    seen = await probe(app, token(Role.PARTICIPANT, delegation_id=MINE), actions=refused)
    assert len(seen) >= 25
    assert {route: status for route, status in seen.items() if status != 403} == {}


async def test_a_focal_point_without_a_delegation_claim_is_refused_every_route(app):
    seen = await probe(app, token(Role.FOCAL_POINT), actions=set(POLICY.rules) - OWN_SESSION)
    assert {route: status for route, status in seen.items() if status != 403} == {}


async def test_a_focal_point_is_refused_the_organisers_actions(app):
    staff_only = set(POLICY.rules) - FOCAL_POINT_ACTIONS - OWN_SESSION
    seen = await probe(app, token(Role.FOCAL_POINT, delegation_id=MINE), actions=staff_only)
    assert len(seen) >= 15
    assert {route: status for route, status in seen.items() if status != 403} == {}
