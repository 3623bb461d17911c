"""Who may do what in scheduling: every /v1 route names one of these actions."""

from __future__ import annotations

from plenary_shared.auth import Role
from plenary_shared.authz import Policy, Scope, everyone, staff

FOCAL_POINT = (Role.FOCAL_POINT, Scope.OWN_DELEGATION)
# a participant: the public programme, plus what its own application attends
OWN_SCHEDULE = (Role.PARTICIPANT, Scope.OWN_APPLICATION)

POLICY = Policy(
    service="scheduling",
    rules={
        # the programme: meetings, venues, rooms and published versions
        "meetings.create": staff(),
        "meetings.read": everyone(),
        "venues.create": staff(),
        "rooms.create": staff(),
        "versions.publish": staff(),
        "versions.read": everyone(),
        "participants.list": staff(),
        # the timetable: public sessions, and restricted ones to those involved
        "sessions.create": staff(),
        "sessions.read": staff(FOCAL_POINT, OWN_SCHEDULE),
        "sessions.update": staff(),
        "sessions.heads": staff(),
        "sessions.check": staff(),
        # who attends and who waits: staff, or the focal point for its own people
        "attendance.read": staff(FOCAL_POINT),
        "attendance.manage": staff(FOCAL_POINT),
        "waiting-lists.read": staff(FOCAL_POINT),
        "delegations.sessions": staff(FOCAL_POINT),
        # a participant's personal schedule and the secret link of its calendar feed
        "schedules.read": staff(FOCAL_POINT, OWN_SCHEDULE),
        "calendars.link": staff(FOCAL_POINT, OWN_SCHEDULE),
        # bilateral meetings: staff, and the focal points of the two delegations
        "bilaterals.request": staff(FOCAL_POINT),
        "bilaterals.read": staff(FOCAL_POINT),
        "bilaterals.answer": staff(FOCAL_POINT),
        "operations": staff(),
    },
    # calendar apps send no bearer token: the link (a meeting's id, or a secret token) is the key
    public=frozenset(
        {
            "GET /calendars/meetings/{meeting_id}.ics",
            "GET /calendars/participants/{token}.ics",
        }
    ),
)
