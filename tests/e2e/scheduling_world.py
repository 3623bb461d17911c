"""Helpers of the scheduling tests: a meeting with a venue and rooms, delegations and accredited
people that scheduling has learnt of through the broker."""

from __future__ import annotations

import uuid

from plenary_devstack.testing import wait_for


class Timetable:
    """One meeting of the running platform, driven through the scheduling API."""

    def __init__(self, api, *, timezone: str = "Europe/Moscow", **meeting) -> None:
        self.api = api
        self.meeting = api.create_meeting(timezone=timezone, **meeting)
        self.id = self.meeting["id"]
        self.venue = self.post(
            f"/v1/meetings/{self.id}/venues",
            {"name": "Main venue", "city": "Moscow", "address": "1 Test St", "timezone": timezone},
        ).json()

    def post(self, path: str, body: dict, *, expect: int | None = None, **kw):
        """POST to scheduling; asserts the status when `expect` is given."""
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
        return self.post(f"/v1/venues/{self.venue['id']}/rooms", body, expect=201).json()["id"]

    def session(self, room_id: str, starts: str, ends: str, **extra):
        """Propose a session (the response, whatever its status)."""
        body = {
            "title": extra.pop("title", f"Session {uuid.uuid4().hex[:6]}"),
            "format": extra.pop("format", "plenary"),
            "room_id": room_id,
            "starts_at": starts,
            "ends_at": ends,
            **extra,
        }
        return self.post(f"/v1/meetings/{self.id}/sessions", body)

    def scheduled(self, room_id: str, starts: str, ends: str, **extra) -> dict:
        """A session that must be accepted."""
        response = self.session(room_id, starts, ends, **extra)
        assert response.status_code == 201, response.text
        return response.json()

    def delegation(self, **extra) -> dict:
        """A delegation that scheduling has learnt of."""
        delegation = self.api.register_delegation(self.id, quota=extra.pop("quota", 20), **extra)
        wait_for(
            lambda: (
                self.api.call(
                    "scheduling", "GET", f"/v1/delegations/{delegation['id']}/sessions"
                ).status_code
                == 200
            ),
            what="scheduling to learn of the delegation",
        )
        return delegation

    def accredited(self, delegation_id: str, **person) -> str:
        """An application, accredited, that scheduling has recorded; returns its id."""
        application = self.api.nominate(self.id, delegation_id, **person).json()
        self.api.wait_state(application["id"])
        granted = self.api.call(
            "registration",
            "POST",
            f"/v1/applications/{application['id']}/decision",
            json={"decision": "grant"},
        )
        assert granted.status_code == 200, granted.text
        self.wait_participant(application["id"])
        return application["id"]

    def wait_participant(self, application_id: str) -> None:
        """Until scheduling lists the participant as accredited."""
        wait_for(
            lambda: any(
                p["application_id"] == application_id
                for p in self.get(f"/v1/meetings/{self.id}/participants", limit=500)["items"]
            ),
            what="scheduling to record the accredited participant",
        )

    def assign(self, session_id: str, *application_ids: str, **kw):
        """Assign participants to a session (the response)."""
        return self.post(
            f"/v1/sessions/{session_id}/attendance",
            {"application_ids": list(application_ids)},
            **kw,
        )

    def attendees(self, session_id: str) -> set[str]:
        """Who is assigned to a session."""
        items = self.get(f"/v1/sessions/{session_id}/attendance", limit=500)["items"]
        return {a["application_id"] for a in items}
