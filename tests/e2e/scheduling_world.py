"""Helpers of the scheduling tests: a meeting with a venue and rooms, delegations and accredited
people that scheduling has learnt of through the broker."""

from __future__ import annotations

import uuid

from plenary_client import NotFound
from plenary_devstack.testing import wait_for


class Timetable:
    """One meeting of the running platform, driven through the typed client (and raw HTTP for
    the tests of the HTTP answer itself)."""

    def __init__(self, api, *, timezone: str = "Europe/Moscow", **meeting) -> None:
        self.api = api
        self.client = api.plenary()
        self.meeting = api.create_meeting(timezone=timezone, **meeting)
        self.id = self.meeting["id"]
        self.venue = self.client.scheduling.create_venue(
            self.id,
            {"name": "Main venue", "city": "Moscow", "address": "1 Test St", "timezone": timezone},
        ).model_dump(mode="json")

    def post(self, path: str, body: dict, *, expect: int | None = None, **kw):
        """POST to scheduling over raw HTTP; asserts the status when `expect` is given."""
        response = self.api.call("scheduling", "POST", path, json=body, **kw)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    def get(self, path: str, **params):
        """GET from scheduling, asserting 200."""
        response = self.api.call("scheduling", "GET", path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def room(self, name: str | None = None, *, capacity: int = 50, **extra) -> str:
        """A room of the venue."""
        body = {"name": name or f"Room {uuid.uuid4().hex[:6]}", "capacity": capacity, **extra}
        return str(self.client.scheduling.create_room(self.venue["id"], body).id)

    def session(self, room_id: str, starts: str, ends: str, **extra):
        """Propose a session over raw HTTP (the response, whatever its status)."""
        return self.post(f"/v1/meetings/{self.id}/sessions", _session(room_id, starts, ends, extra))

    def scheduled(self, room_id: str, starts: str, ends: str, **extra) -> dict:
        """A session that must be accepted."""
        body = _session(room_id, starts, ends, extra)
        return self.client.scheduling.schedule_session(self.id, body).model_dump(mode="json")

    def delegation(self, **extra) -> dict:
        """A delegation that scheduling has learnt of."""
        delegation = self.api.register_delegation(self.id, quota=extra.pop("quota", 20), **extra)

        def known() -> bool:
            try:
                self.client.scheduling.delegation_sessions(delegation["id"], limit=1)
            except NotFound:
                return False
            return True

        wait_for(known, what="scheduling to learn of the delegation")
        return delegation

    def accredited(self, delegation_id: str, **person) -> str:
        """An application, accredited, that scheduling has recorded; returns its id."""
        application = self.api.submit(self.id, delegation_id, **person)
        self.api.wait_state(application["id"])
        self.client.registration.decide(application["id"], {"decision": "grant"})
        self.wait_participant(application["id"])
        return application["id"]

    def wait_participant(self, application_id: str) -> None:
        """Until scheduling lists the participant as accredited."""
        wait_for(
            lambda: any(
                str(p.application_id) == application_id
                for p in self.client.scheduling.iter_list_participants(self.id, page_size=500)
            ),
            what="scheduling to record the accredited participant",
        )

    def assign(self, session_id: str, *application_ids: str, **kw):
        """Assign participants to a session over raw HTTP (the response)."""
        return self.post(
            f"/v1/sessions/{session_id}/attendance",
            {"application_ids": list(application_ids)},
            **kw,
        )

    def attendees(self, session_id: str) -> set[str]:
        """Who is assigned to a session."""
        items = self.client.scheduling.iter_list_attendance(session_id, page_size=500)
        return {str(a.application_id) for a in items}


def _session(room_id: str, starts: str, ends: str, extra: dict) -> dict:
    return {
        "title": extra.pop("title", f"Session {uuid.uuid4().hex[:6]}"),
        "format": extra.pop("format", "plenary"),
        "room_id": room_id,
        "starts_at": starts,
        "ends_at": ends,
        **extra,
    }
