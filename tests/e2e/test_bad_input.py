"""Bad input gets a 4xx a person can act on, never echoes personal data, and writes nothing."""

import uuid

import pytest

from plenary_devstack.testing import person

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def setting(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=5)
    return meeting, delegation


@pytest.fixture(scope="module")
def room(api, setting):
    meeting, _ = setting
    venue = api.call(
        "scheduling",
        "POST",
        f"/v1/meetings/{meeting['id']}/venues",
        json={"name": "Hall venue", "city": "Moscow", "timezone": "Europe/Moscow"},
    ).json()
    return api.call(
        "scheduling",
        "POST",
        f"/v1/venues/{venue['id']}/rooms",
        json={"name": "Hall", "capacity": 10},
    ).json()


def _counts(api, meeting_id):
    return (
        api.call("scheduling", "GET", "/v1/meetings").json()["total"],
        api.call("scheduling", "GET", f"/v1/meetings/{meeting_id}/sessions").json()["total"],
        api.call("delegation", "GET", f"/v1/meetings/{meeting_id}/delegations").json()["total"],
        api.call("registration", "GET", f"/v1/meetings/{meeting_id}/applications").json()["total"],
        api.call("notification", "GET", "/v1/subscriptions").json()["total"],
    )


async def _topic_sizes(kafka):
    return {
        t: len(await kafka.records(t, idle_ms=600))
        for t in ("scheduling.events", "delegation.events", "registration.events")
    }


def _cases(meeting_id, delegation_id, room_id):
    valid = person(delegation_id=delegation_id)
    without_email = {k: v for k, v in valid.items() if k != "email"}
    return [
        # (service, path, kwargs, status, words the message must contain)
        (
            "registration",
            f"/v1/meetings/{meeting_id}/applications",
            {"json": without_email},
            422,
            ["email", "Field required"],
        ),
        (
            "registration",
            f"/v1/meetings/{meeting_id}/applications",
            {"json": {**valid, "date_of_birth": "yesterday"}},
            422,
            ["date_of_birth"],
        ),
        (
            "registration",
            f"/v1/meetings/{meeting_id}/applications",
            {"json": {**valid, "category": "king"}},
            422,
            ["category", "delegate"],
        ),
        (
            "registration",
            f"/v1/meetings/{meeting_id}/applications",
            {"json": {**valid, "date_of_birth": "2999-01-01"}},
            422,
            ["in the past"],
        ),
        (
            "registration",
            f"/v1/meetings/{meeting_id}/applications",
            {"json": {**valid, "passport_number": "ab-12"}},
            422,
            ["passport_number"],
        ),
        (
            "registration",
            f"/v1/meetings/{UNKNOWN}/applications",
            {"json": valid},
            422,
            ["not registered for meeting"],
        ),
        (
            "registration",
            f"/v1/meetings/{meeting_id}/applications",
            {"json": {**valid, "delegation_id": str(uuid.uuid4())}},
            422,
            ["register the delegation first"],
        ),
        (
            "registration",
            f"/v1/meetings/{meeting_id}/applications",
            {"content": b'{"given_name": "A", ', "headers": {"content-type": "application/json"}},
            400,
            ["not valid JSON"],
        ),
        (
            "registration",
            f"/v1/meetings/{meeting_id}/applications",
            {
                "content": b'{"x": "' + b"a" * 1_100_000 + b'"}',
                "headers": {"content-type": "application/json"},
            },
            413,
            ["exceeds"],
        ),
        (
            "registration",
            f"/v1/meetings/{meeting_id}/applications",
            {"json": [valid]},
            422,
            ["valid dictionary"],
        ),
        (
            "registration",
            "/v1/meetings/not-a-uuid/applications",
            {"json": valid},
            422,
            ["meeting_id"],
        ),
        (
            "delegation",
            f"/v1/meetings/{UNKNOWN}/delegations",
            {"json": {"name": "Nowhere", "kind": "member", "quota": 3}},
            404,
            ["does not exist"],
        ),
        (
            "delegation",
            f"/v1/meetings/{meeting_id}/delegations",
            {"json": {"name": "X", "kind": "member", "quota": -1}},
            422,
            ["quota"],
        ),
        (
            "delegation",
            f"/v1/meetings/{meeting_id}/delegations",
            {"json": {"name": "X", "kind": "empire", "quota": 1}},
            422,
            ["kind"],
        ),
        (
            "delegation",
            f"/v1/meetings/{meeting_id}/delegations",
            {"json": {"name": "X", "kind": "member", "quota": "many"}},
            422,
            ["quota"],
        ),
        (
            "scheduling",
            "/v1/meetings",
            {
                "json": {
                    "title": "T",
                    "city": "C",
                    "venue": "V",
                    "timezone": "Mars/Olympus",
                    "starts_on": "2025-11-17",
                    "ends_on": "2025-11-18",
                }
            },
            422,
            ["IANA"],
        ),
        (
            "scheduling",
            "/v1/meetings",
            {
                "json": {
                    "title": "T",
                    "city": "C",
                    "venue": "V",
                    "timezone": "Europe/Moscow",
                    "starts_on": "2025-11-18",
                    "ends_on": "2025-11-17",
                }
            },
            422,
            ["before starts_on"],
        ),
        (
            "scheduling",
            f"/v1/meetings/{meeting_id}/sessions",
            {
                "json": {
                    "title": "Late",
                    "format": "plenary",
                    "room_id": room_id,
                    "starts_at": "2025-12-01T10:00:00",
                    "ends_at": "2025-12-01T11:00:00",
                }
            },
            422,
            ["outside the meeting's days"],
        ),
        (
            "scheduling",
            f"/v1/meetings/{UNKNOWN}/sessions",
            {
                "json": {
                    "title": "S",
                    "format": "plenary",
                    "room_id": room_id,
                    "starts_at": "2025-11-17T10:00:00",
                    "ends_at": "2025-11-17T11:00:00",
                }
            },
            404,
            ["does not exist"],
        ),
        (
            "scheduling",
            f"/v1/meetings/{meeting_id}/sessions",
            {
                "json": {
                    "title": "Nowhere",
                    "format": "plenary",
                    "room_id": UNKNOWN,
                    "starts_at": "2025-11-17T10:00:00",
                    "ends_at": "2025-11-17T11:00:00",
                }
            },
            422,
            ["not a room of this meeting", "/rooms"],
        ),
        (
            "scheduling",
            f"/v1/meetings/{meeting_id}/sessions",
            {
                "json": {
                    "title": "Backwards",
                    "titles": {"English": "Backwards"},
                    "format": "summit dinner",
                    "room_id": room_id,
                    "starts_at": "2025-11-17T10:00:00",
                    "ends_at": "2025-11-17T11:00:00",
                }
            },
            422,
            ["titles", "format"],
        ),
        (
            "scheduling",
            f"/v1/meetings/{meeting_id}/venues",
            {"json": {"name": "V", "city": "C", "timezone": "Moscow"}},
            422,
            ["IANA"],
        ),
        (
            "scheduling",
            f"/v1/meetings/{meeting_id}/conflict-check",
            {"json": {"application_ids": [UNKNOWN]}},
            422,
            ["format", "room_id", "starts_at"],
        ),
        (
            "scheduling",
            f"/v1/meetings/{meeting_id}/bilateral-requests",
            {
                "json": {
                    "requester_delegation_id": delegation_id,
                    "counterpart_delegation_id": delegation_id,
                    "slots": [
                        {"starts_at": "2025-11-17T10:00:00", "ends_at": "2025-11-17T10:30:00"}
                    ],
                }
            },
            422,
            ["two different delegations"],
        ),
        (
            "notification",
            "/v1/subscriptions",
            {"json": {"url": "not a url", "event_types": ["*"]}},
            422,
            ["url"],
        ),
        (
            "notification",
            "/v1/subscriptions",
            {"json": {"url": "https://example.org/h", "event_types": []}},
            422,
            ["event_types"],
        ),
    ]


async def test_bad_input_is_refused_clearly_and_changes_nothing(api, setting, room, kafka):
    meeting, delegation = setting
    before_counts, before_topics = _counts(api, meeting["id"]), await _topic_sizes(kafka)
    for service, path, kwargs, status, words in _cases(meeting["id"], delegation["id"], room["id"]):
        response = api.call(service, "POST", path, **kwargs)
        where = (service, path, status, response.text[:300])
        assert response.status_code == status, where
        assert response.headers["content-type"].startswith("application/problem+json"), where
        body = response.json()
        assert body["status"] == status and body["title"], where
        for word in words:
            assert word in body["detail"], (word, where)
        passport = (
            (kwargs.get("json") or {}).get("passport_number")
            if isinstance(kwargs.get("json"), dict)
            else None
        )
        if passport:
            assert passport not in response.text, where
            assert kwargs["json"]["date_of_birth"] not in response.text, where
    assert _counts(api, meeting["id"]) == before_counts
    assert await _topic_sizes(kafka) == before_topics


def test_a_duplicate_nomination_is_refused_and_names_the_existing_one(api, setting):
    meeting, delegation = setting
    body = person(delegation_id=delegation["id"])
    first = api.call(
        "registration", "POST", f"/v1/meetings/{meeting['id']}/applications", json=body
    )
    assert first.status_code == 202
    again = api.call(
        "registration",
        "POST",
        f"/v1/meetings/{meeting['id']}/applications",
        json={**body, "passport_number": "ZZ999999"},
    )
    assert again.status_code == 409
    assert body["email"] in again.json()["detail"]
    assert "ZZ999999" not in again.text


def test_a_refusal_without_reason_asks_for_one(api, setting):
    meeting, delegation = setting
    app = api.nominate(meeting["id"], delegation["id"]).json()
    api.wait_state(app["id"])
    response = api.call(
        "registration",
        "POST",
        f"/v1/applications/{app['id']}/decision",
        json={"decision": "refuse"},
    )
    assert response.status_code == 422
    assert "reason is required" in response.json()["detail"]
    assert (
        api.call("registration", "GET", f"/v1/applications/{app['id']}").json()["state"]
        == "nominated"
    )
