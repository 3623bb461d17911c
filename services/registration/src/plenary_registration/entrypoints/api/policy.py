"""Who may do what in registration: every /v1 route takes exactly one of these actions."""

from __future__ import annotations

from typing import Any

from plenary_shared.auth import Role
from plenary_shared.authz import Grant, Policy, Scope, everyone, staff

FOCAL_POINT = (Role.FOCAL_POINT, Scope.OWN_DELEGATION)
OWN_PARTICIPANT = (Role.PARTICIPANT, Scope.OWN_APPLICATION)

POLICY = Policy(
    service="registration",
    rules={
        "applications.create": staff(FOCAL_POINT),
        "applications.list": staff(FOCAL_POINT),
        "applications.read": staff(FOCAL_POINT, OWN_PARTICIPANT),
        "applications.update": staff(FOCAL_POINT),
        "applications.photo": staff(FOCAL_POINT),
        "applications.history": staff(FOCAL_POINT),
        "applications.withdraw": staff(FOCAL_POINT),
        # passport number, expiry and date of birth unmasked (and the visa letter stating them)
        "applications.documents": {Role.ACCREDITATION_DESK: Scope.ALL},
        "applications.decide": staff(),
        "applications.revoke": staff(),
        "applications.vet": staff(),
        "applications.purge": staff(),
        "imports.create": staff(FOCAL_POINT),
        "imports.read": staff(FOCAL_POINT),
        "badges.read": staff(FOCAL_POINT, OWN_PARTICIPANT),
        "badges.reissue": staff(),
        "badges.public_key": everyone(),
        "checkins.create": staff(),
        "reports.participants": staff(),
        "reports.statistics": staff(FOCAL_POINT),
        "invitations.create": staff(),
        "invitations.list": staff(),
        "invitations.renew": staff(),
        "invitations.revoke": staff(),
        "accounts.list": staff(),
        "accounts.reset_link": staff(),
        "auth.me": dict.fromkeys(Role, Scope.OWN),
        "auth.sign_out": dict.fromkeys(Role, Scope.OWN),
        "operations": staff(),
    },
    public=frozenset(
        {
            "POST /v1/auth/invitations/accept",
            "POST /v1/auth/invitations/confirm",
            "POST /v1/auth/sessions",
            "POST /v1/auth/password-resets",
            "POST /v1/auth/password-resets/complete",
        }
    ),
)


def sees(grant: Grant, application: Any) -> bool:
    """The grant reaches this application: its delegation's, or the participant's own."""
    if grant.scope is Scope.OWN_APPLICATION:
        return grant.principal.subject == str(application.id)
    return grant.reaches(application.delegation_id)
