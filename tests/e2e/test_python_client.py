"""The typed Python client (plenary_client) against the running platform."""

import uuid
from datetime import date

import httpx
import pytest

from plenary_client import Conflict, Forbidden, Invalid, NotFound, Plenary, Unauthorized
from plenary_client import scheduling as s
from plenary_devstack.testing import person


class LoseFirstAnswer(httpx.BaseTransport):
    """Sends every request for real, but loses the answer to the first POST, as a dropped
    connection would after the service had done the work."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.posts: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.real.handle_request(request)
        if request.method == "POST":
            self.posts.append(request)
            if len(self.posts) == 1:
                response.read()
                response.close()
                raise httpx.ReadError("connection lost before the answer", request=request)
        return response

    def close(self) -> None:
        self.real.close()


def _meeting(**overrides) -> s.MeetingCreate:
    fields = {
        "title": f"Client meeting {uuid.uuid4().hex[:6]}",
        "city": "Moscow",
        "venue": "National Centre RUSSIA",
        "timezone": "Europe/Moscow",
        "starts_on": date(2025, 11, 17),
        "ends_on": date(2025, 11, 18),
        **overrides,
    }
    return s.MeetingCreate(**fields)


def test_answers_are_typed_models(client):
    made = client.scheduling.create_meeting(_meeting())
    assert isinstance(made, s.MeetingRead)
    assert made.starts_on == date(2025, 11, 17)
    assert client.scheduling.get_meeting(made.id) == made
    venue = client.scheduling.create_venue(
        made.id, {"name": "Hall", "city": "Moscow", "timezone": "Europe/Moscow"}
    )
    assert isinstance(venue, s.VenueRead) and venue.meeting_id == made.id


def test_a_body_the_model_refuses_is_never_sent(client):
    with pytest.raises(ValueError, match="titel"):
        client.scheduling.create_meeting({"titel": "typo", "city": "Moscow"})


def test_problems_raise_typed_exceptions_with_their_members(api, client):
    with pytest.raises(NotFound) as missing:
        client.scheduling.get_meeting(uuid.uuid4())
    assert (missing.value.status, missing.value.problem["status"]) == (404, 404)
    assert missing.value.title and missing.value.detail

    with pytest.raises(Invalid) as invalid:
        client.scheduling.create_meeting(_meeting(timezone="Nowhere/Atlantis"))
    assert invalid.value.status == 422 and invalid.value.errors
    assert any("timezone" in e["field"] and e["message"] for e in invalid.value.errors)

    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    application = api.submit(meeting["id"], delegation["id"])
    api.wait_state(application["id"])
    client.registration.decide(application["id"], {"decision": "grant"})
    with pytest.raises(Conflict) as twice:
        client.registration.decide(application["id"], {"decision": "grant"})
    assert twice.value.current_state == "accredited"
    assert twice.value.extras["current_state"] == "accredited"

    focal_point = api.token_for("focal_point", delegation_id=delegation["id"])
    with pytest.raises(Forbidden) as refused:
        api.plenary(focal_point).scheduling.create_meeting(_meeting())
    assert refused.value.status == 403

    with Plenary(client.urls, "not-a-jwt") as forged, pytest.raises(Unauthorized):
        forged.scheduling.list_meetings()


def test_a_create_whose_answer_was_lost_is_retried_with_its_key_and_made_once(client):
    lossy = LoseFirstAnswer()
    body = _meeting()
    with Plenary(client.urls, client.token, transport=lossy) as retrying:
        made = retrying.scheduling.create_meeting(body)
    assert len(lossy.posts) == 2
    keys = {r.headers["Idempotency-Key"] for r in lossy.posts}
    assert len(keys) == 1
    found = client.scheduling.list_meetings(q=body.title)
    assert [m.id for m in found.items] == [made.id]

    again = client.scheduling.create_meeting(body, idempotency_key=keys.pop())
    assert again.id == made.id


def test_the_iterator_walks_every_page(client):
    meeting = client.scheduling.create_meeting(_meeting())
    made = [
        client.scheduling.create_venue(
            meeting.id, {"name": f"Venue {n}", "city": "Moscow", "timezone": "Europe/Moscow"}
        ).id
        for n in range(5)
    ]
    assert client.scheduling.list_venues(meeting.id, limit=2).total == 5
    walked = [v.id for v in client.scheduling.iter_list_venues(meeting.id, page_size=2)]
    assert sorted(walked) == sorted(made)


def test_a_focal_point_submits_through_the_client(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    token = api.token_for("focal_point", delegation_id=delegation["id"])
    body = person(delegation_id=delegation["id"])
    api.sent_passports.add(body["passport_number"])
    submitted = api.plenary(token).registration.submit_application(
        meeting["id"], body, correlation_id="client-trace-1"
    )
    assert submitted.state == "submitted"
    assert str(submitted.delegation_id) == delegation["id"]
