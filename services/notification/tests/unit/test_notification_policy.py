"""Notification's policy guards every route; subscriptions and the stream see only the grant's scope."""

import uuid
from types import SimpleNamespace

import pytest

from plenary_notification.config import Settings
from plenary_notification.domain.model import Scope as Seen
from plenary_notification.entrypoints.api.policy import POLICY
from plenary_notification.main import create_app
from plenary_notification.service_layer import subscriptions as handlers
from plenary_shared.auth import Principal, Role
from plenary_shared.authz import OfflineService, Scope, route_action, unguarded_routes, v1_routes
from plenary_shared.errors import Forbidden, NotFound
from plenary_shared.fakes import FakeUnitOfWork

MINE = uuid.uuid4()
OFFLINE = OfflineService(fill=str(MINE))
SUBSCRIPTIONS = (
    "subscriptions.create",
    "subscriptions.read",
    "subscriptions.update",
    "subscriptions.delete",
)


@pytest.fixture(scope="module")
async def app():
    return OFFLINE.app(create_app, Settings)


def who(role: Role, *, delegation_id: uuid.UUID | None = None, subject: str = "s") -> Principal:
    return Principal(subject=subject, role=role, delegation_id=delegation_id, token="t")


probe = OFFLINE.probe


token = OFFLINE.token


def test_every_route_declares_an_action_of_the_policy(app):
    assert unguarded_routes(app, POLICY) == []
    assert POLICY.public == frozenset()
    used = {route_action(route) for _, _, route in v1_routes(app)}
    assert used == set(POLICY.rules)


def test_subscriptions_are_their_owners_and_staff_reach_no_one_elses():
    for action in SUBSCRIPTIONS:
        roles = POLICY.rules[action]
        assert roles[Role.ORGANISER] is Scope.OWN and roles[Role.ACCREDITATION_DESK] is Scope.OWN
        assert roles[Role.FOCAL_POINT] is Scope.OWN_DELEGATION
        assert roles[Role.PARTICIPANT] is Scope.OWN_APPLICATION


async def test_a_focal_point_without_a_delegation_claim_is_refused_every_route(app):
    seen = await probe(app, token(Role.FOCAL_POINT, subject="fp@example.org"))
    assert len(seen) > 15
    assert {route: status for route, status in seen.items() if status != 403} == {}


async def test_a_participant_token_naming_no_application_is_refused_every_route(app):
    seen = await probe(app, token(Role.PARTICIPANT, delegation_id=MINE, subject="p@x.org"))
    assert {route: status for route, status in seen.items() if status != 403} == {}


async def test_a_participant_with_a_delegation_claim_is_refused_the_staff_and_focal_actions(app):
    staff_only = {"emails.list", "digests.send", "operations"}
    focal = {"email_preferences.read", "email_preferences.update"}
    seen = await probe(app, token(Role.PARTICIPANT, delegation_id=MINE), actions=staff_only | focal)
    assert len(seen) >= 6
    assert {route: status for route, status in seen.items() if status != 403} == {}


def test_a_participant_with_a_delegation_claim_sees_only_itself():
    me = uuid.uuid4()
    participant = who(Role.PARTICIPANT, delegation_id=MINE, subject=str(me))
    for action in ("subscriptions.create", "stream.read"):
        grant = POLICY.grant(participant, action)
        assert handlers.scope_of(grant) == Seen(application_id=me)
    with pytest.raises(Forbidden, match="only to its own events"):
        handlers.scope_of(POLICY.grant(participant, "subscriptions.create"), delegation_id=MINE)


def test_a_focal_point_sees_its_delegation_and_asks_for_no_other():
    grant = POLICY.grant(who(Role.FOCAL_POINT, delegation_id=MINE), "subscriptions.create")
    assert handlers.scope_of(grant) == Seen(delegation_id=MINE)
    assert handlers.scope_of(grant, delegation_id=MINE) == Seen(delegation_id=MINE)
    with pytest.raises(Forbidden, match="its own delegation"):
        handlers.scope_of(grant, delegation_id=uuid.uuid4())
    with pytest.raises(Forbidden, match="no delegation_id claim"):
        POLICY.grant(who(Role.FOCAL_POINT), "stream.read")


def test_organisers_see_everything_or_the_delegation_they_ask_for():
    grant = POLICY.grant(who(Role.ORGANISER), "subscriptions.create")
    assert handlers.scope_of(grant) == Seen()
    assert handlers.scope_of(grant, delegation_id=MINE) == Seen(delegation_id=MINE)
    assert POLICY.grant(who(Role.ORGANISER), "stream.read").everything


@pytest.fixture
def stored():
    """A focal point's subscription of MINE, as the repository would return it."""
    row = SimpleNamespace(
        id=uuid.uuid4(),
        owner="fp@example.org",
        owner_role="focal_point",
        delegation_id=MINE,
        application_id=None,
    )

    return row


def _holding(row) -> FakeUnitOfWork:
    """A unit of work whose repository holds one subscription."""

    async def get_subscription(subscription_id, for_update=False):
        return row if subscription_id == row.id else None

    return FakeUnitOfWork(SimpleNamespace(get_subscription=get_subscription))


async def test_a_subscription_is_its_owner_s_within_what_the_owner_may_see_now(stored):
    def grant(role, delegation_id=None):
        principal = who(role, delegation_id=delegation_id, subject="fp@example.org")
        return POLICY.grant(principal, "subscriptions.read")

    assert (
        await handlers.owned(_holding(stored), stored.id, grant(Role.FOCAL_POINT, MINE)) is stored
    )
    # the same subject as another role, or for another delegation, owns nothing
    for other in (grant(Role.FOCAL_POINT, uuid.uuid4()), grant(Role.ORGANISER)):
        with pytest.raises(NotFound):
            await handlers.owned(_holding(stored), stored.id, other)
