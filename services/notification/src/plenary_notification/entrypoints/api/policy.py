"""Who may do what in notification: every /v1 route names one of these actions."""

from plenary_shared.auth import Role
from plenary_shared.authz import ORGANISER_STAFF, Policy, Scope, everyone, staff

# a subscription belongs to whoever made it: staff reach only their own, a focal point its own
# of its delegation (the claim is required), a participant its own about itself
SUBSCRIBERS = {
    **dict.fromkeys(ORGANISER_STAFF, Scope.OWN),
    Role.FOCAL_POINT: Scope.OWN_DELEGATION,
    Role.PARTICIPANT: Scope.OWN_APPLICATION,
}

POLICY = Policy(
    service="notification",
    rules={
        "subscriptions.create": SUBSCRIBERS,
        "subscriptions.read": SUBSCRIBERS,
        "subscriptions.update": SUBSCRIBERS,
        "subscriptions.delete": SUBSCRIBERS,
        # organisers see every event, a focal point its delegation's, a participant its own
        "stream.read": everyone(Scope.OWN_APPLICATION),
        "emails.list": staff(),
        "digests.send": staff(),
        # a focal point's own choice; its role needs the delegation claim
        "email_preferences.read": {Role.FOCAL_POINT: Scope.OWN_DELEGATION},
        "email_preferences.update": {Role.FOCAL_POINT: Scope.OWN_DELEGATION},
        "operations": staff(),
    },
)
