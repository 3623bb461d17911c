"""The scheduling service's policy guards every route, and the route table answers by it."""

import uuid
from functools import partial

import pytest
from fastapi.routing import iter_route_contexts

from plenary_scheduling.config import Settings
from plenary_scheduling.entrypoints.api.policy import POLICY
from plenary_scheduling.entrypoints.api.visibility import visibility_filters
from plenary_scheduling.main import create_app
from plenary_shared.auth import Principal, Role
from plenary_shared.authz import OfflineService, Scope, route_action, unguarded_routes, v1_routes
from plenary_shared.errors import Forbidden

MINE = uuid.uuid4()
ME = uuid.uuid4()
# what a participant may do: read the public programme, and its own schedule
PARTICIPANT_ACTIONS = {
    "meetings.read": Scope.PUBLIC,
    "versions.read": Scope.PUBLIC,
    "sessions.read": Scope.OWN_APPLICATION,
    "schedules.read": Scope.OWN_APPLICATION,
    "calendars.link": Scope.OWN_APPLICATION,
}
# what a focal point may do for its own delegation; everything else is organiser staff's
FOCAL_POINT_ACTIONS = {
    *PARTICIPANT_ACTIONS,
    "attendance.read",
    "attendance.manage",
    "waiting-lists.read",
    "delegations.sessions",
    "bilaterals.request",
    "bilaterals.read",
    "bilaterals.answer",
}
OFFLINE = OfflineService(fill=str(MINE))


@pytest.fixture(scope="module")
async def app():
    return OFFLINE.app(create_app, Settings)


probe = OFFLINE.probe


token = partial(OFFLINE.token, subject=str(ME))


async def test_every_route_declares_an_action_of_the_policy(app):
    assert unguarded_routes(app, POLICY) == []
    used = {route_action(route) for _, _, route in v1_routes(app)}
    assert used == set(POLICY.rules)


async def test_only_the_calendar_feeds_are_public(app):
    paths = {
        f"{method} {route.path}"
        for route in iter_route_contexts(app.routes)
        for method in route.methods or ()
    }
    assert POLICY.public == {
        "GET /calendars/meetings/{meeting_id}.ics",
        "GET /calendars/participants/{token}.ics",
    }
    assert POLICY.public <= paths


def test_roles_reach_what_the_readme_says():
    for action, roles in POLICY.rules.items():
        assert roles[Role.ORGANISER] is Scope.ALL and roles[Role.ACCREDITATION_DESK] is Scope.ALL
        assert roles.get(Role.PARTICIPANT) is PARTICIPANT_ACTIONS.get(action), action
        if action in FOCAL_POINT_ACTIONS:
            assert roles[Role.FOCAL_POINT] is Scope.OWN_DELEGATION, action
        else:
            assert Role.FOCAL_POINT not in roles, action


def test_a_participant_with_a_delegation_claim_sees_its_own_schedule_not_its_delegations():
    participant = Principal(subject=str(ME), role=Role.PARTICIPANT, delegation_id=MINE, token="t")
    grant = POLICY.grant(participant, "sessions.read")
    assert not grant.reaches(MINE)
    assert visibility_filters(grant) == {"visible_to_application": ME}
    for action in ("bilaterals.read", "attendance.read", "waiting-lists.read"):
        with pytest.raises(Forbidden, match="a participant token may not"):
            POLICY.grant(participant, action)


def test_a_focal_point_grant_is_confined_to_its_delegation():
    focal = Principal(subject="fp", role=Role.FOCAL_POINT, delegation_id=MINE, token="t")
    grant = POLICY.grant(focal, "bilaterals.read")
    assert grant.only_delegation == MINE
    assert grant.reaches(MINE) and not grant.reaches(uuid.uuid4())
    assert visibility_filters(POLICY.grant(focal, "sessions.read")) == {
        "visible_to_delegation": MINE
    }
    with pytest.raises(Forbidden, match="no delegation_id claim"):
        POLICY.grant(focal.model_copy(update={"delegation_id": None}), "bilaterals.read")
    with pytest.raises(Forbidden, match="may not sessions: update"):
        POLICY.grant(focal, "sessions.update")


async def test_a_participant_with_a_delegation_claim_is_refused_all_but_its_own(app):
    others = set(POLICY.rules) - set(PARTICIPANT_ACTIONS)
    seen = await probe(app, token(Role.PARTICIPANT, delegation_id=MINE), actions=others)
    assert len(seen) > 20
    assert {route: status for route, status in seen.items() if status != 403} == {}


async def test_a_participant_without_an_application_subject_reads_only_the_programme(app):
    own = {a for a, scope in PARTICIPANT_ACTIONS.items() if scope is Scope.OWN_APPLICATION}
    seen = await probe(app, token(Role.PARTICIPANT, subject="someone"), actions=own)
    assert len(seen) >= 5
    assert {route: status for route, status in seen.items() if status != 403} == {}


async def test_a_focal_point_without_a_delegation_claim_is_refused_every_route(app):
    seen = await probe(app, token(Role.FOCAL_POINT))
    assert len(seen) > 30
    assert {route: status for route, status in seen.items() if status != 403} == {}


async def test_a_focal_point_is_refused_the_organisers_actions(app):
    staff_only = set(POLICY.rules) - FOCAL_POINT_ACTIONS
    seen = await probe(app, token(Role.FOCAL_POINT, delegation_id=MINE), actions=staff_only)
    assert len(seen) >= 12
    assert {route: status for route, status in seen.items() if status != 403} == {}
