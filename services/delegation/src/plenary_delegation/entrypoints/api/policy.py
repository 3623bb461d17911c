"""Who may do what in the delegation service (README, "Tokens and roles")."""

from uuid import UUID

from plenary_shared.auth import Role
from plenary_shared.authz import Grant, Policy, Scope, staff
from plenary_shared.errors import NotFound

# a focal point for its own delegation; participants reach nothing here, whatever their token says
FOCAL_POINT = (Role.FOCAL_POINT, Scope.OWN_DELEGATION)

POLICY = Policy(
    service="delegation",
    rules={
        "delegations.create": staff(),
        "delegations.list": staff(FOCAL_POINT),
        "delegations.read": staff(FOCAL_POINT),
        "delegations.update": staff(),
        "delegations.withdraw": staff(),
        "delegations.export": staff(),
        "quotas.change": staff(),
        "waiting_list.read": staff(FOCAL_POINT),
        "waiting_list.configure": staff(FOCAL_POINT),
        "focal_points.assign": staff(),
        "focal_points.list": staff(FOCAL_POINT),
        "focal_points.revoke": staff(),
        "movements.record": staff(FOCAL_POINT),
        "movements.list": staff(FOCAL_POINT),
        "arrivals.list": staff(),
        "accommodation.set": staff(FOCAL_POINT),
        "accommodation.read": staff(FOCAL_POINT),
        "liaison.assign": staff(),
        "liaison.read": staff(FOCAL_POINT),
        "operations": staff(),
    },
)


def ensure_reaches(grant: Grant, delegation_id: UUID) -> None:
    """A delegation outside the grant's scope answers as if it did not exist."""
    if not grant.reaches(delegation_id):
        raise NotFound(f"delegation {delegation_id} does not exist")
