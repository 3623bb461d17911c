"""The live stream: server-sent events of the caller's scope, resumed after a disconnect without loss."""

import json
from contextlib import contextmanager

import httpx
import pytest
from httpx_sse import connect_sse
from scheduling_world import Timetable

from plenary_client import Conflict
from plenary_devstack.testing import wait_for

SUBMITTED = "registration.application.submitted"


@contextmanager
def _stream(api, token, **params):
    """The stream, read over raw HTTP (the client leaves server-sent events to httpx-sse)."""
    headers = {"authorization": f"Bearer {token}"}
    if last := params.pop("last_event_id", None):
        headers["last-event-id"] = last
    with (
        httpx.Client(base_url=api.platform.url("notification"), timeout=30) as http,
        connect_sse(http, "GET", "/v1/stream", headers=headers, params=params) as source,
    ):
        assert source.response.status_code == 200, source.response.read()
        yield source.iter_sse()


def _until(events, wanted: set[str]) -> list[tuple[int, dict]]:
    """Read until every wanted application has been seen; returns everything read."""
    read, seen = [], set()
    for sse in events:
        event = json.loads(sse.data)
        read.append((int(sse.id), event))
        seen.add(event["data"].get("application_id"))
        if wanted <= seen:
            return read
    raise AssertionError("the stream ended")


def _nominate(api, meeting, delegation, count) -> list[str]:
    return [api.submit(meeting["id"], delegation["id"])["id"] for _ in range(count)]


def test_the_stream_resumes_after_a_disconnect_without_loss_or_repeat(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    token = api.token
    with _stream(api, token, types=SUBMITTED, meeting_id=meeting["id"]) as events:
        first = set(_nominate(api, meeting, delegation, 2))
        before = _until(events, first)
    assert {e["data"]["application_id"] for _, e in before} == first
    last_id = before[-1][0]

    missed = set(_nominate(api, meeting, delegation, 3))  # while nobody listens
    with _stream(
        api, token, types=SUBMITTED, meeting_id=meeting["id"], last_event_id=str(last_id)
    ) as events:
        after = _until(events, missed)
    ids = [seq for seq, _ in after]
    assert ids == sorted(ids) and ids[0] > last_id
    assert [e["data"]["application_id"] for _, e in after] == [
        e["data"]["application_id"] for _, e in after if e["data"]["application_id"] in missed
    ]
    assert {e["data"]["application_id"] for _, e in after} == missed
    assert all(e["type"] == SUBMITTED for _, e in before + after)


def test_a_focal_point_streams_only_its_own_delegation(api):
    meeting = api.create_meeting()
    mine = api.register_delegation(meeting["id"])
    theirs = api.register_delegation(meeting["id"])
    focal_point = api.token_for("focal_point", delegation_id=mine["id"], subject="fp.live@x.org")
    with _stream(api, focal_point, types="registration.*") as events:
        other = set(_nominate(api, meeting, theirs, 2))
        own = set(_nominate(api, meeting, mine, 2))  # after theirs: a leak would show first
        read = _until(events, own)
    seen = {e["data"].get("application_id") for _, e in read}
    assert own <= seen and not (other & seen)
    assert {e["data"]["delegation_id"] for _, e in read} == {mine["id"]}


def test_a_stream_subscription_names_what_the_stream_shows(api, client):
    made = client.notification.create_subscription(
        {"channel": "stream", "event_types": ["delegation.delegation.registered"]}
    )
    meeting = api.create_meeting()
    with _stream(api, api.token, subscription_id=str(made.id)) as events:
        delegation = api.register_delegation(meeting["id"])
        api.submit(meeting["id"], delegation["id"])
        first = json.loads(next(iter(events)).data)
    assert first["type"] == "delegation.delegation.registered"
    assert first["data"]["delegation_id"] == delegation["id"]
    with pytest.raises(Conflict) as ping:
        client.notification.ping_subscription(made.id)
    assert "GET /v1/stream" in ping.value.detail


def _open_streams(api) -> float:
    metrics = httpx.get(api.platform.url("notification") + "/metrics").text
    line = next(m for m in metrics.splitlines() if m.startswith("plenary_stream_clients "))
    return float(line.split()[1])


def test_a_closed_stream_stops_following(api):
    before = _open_streams(api)
    with _stream(api, api.token, types="nothing.ever") as events:
        assert events is not None
        wait_for(lambda: _open_streams(api) == before + 1, what="the stream to be counted")
    wait_for(lambda: _open_streams(api) == before, what="the closed stream to stop")


def test_a_bad_last_event_id_is_refused(api):
    # raw HTTP: bad input to the stream
    response = httpx.get(
        api.platform.url("notification") + "/v1/stream",
        headers={"authorization": f"Bearer {api.token}", "last-event-id": "yesterday"},
    )
    assert response.status_code == 422
    assert "Last-Event-ID" in response.json()["detail"]


def test_a_participant_streams_its_own_events_and_those_of_its_sessions(api, client):
    tt = Timetable(api, starts_on="2026-05-04", ends_on="2026-05-05")
    room = tt.room()
    delegation = tt.delegation()
    me = tt.accredited(delegation["id"])
    colleague = tt.accredited(delegation["id"])
    mine = tt.scheduled(room, "2026-05-04T10:00:00", "2026-05-04T11:00:00")
    other = tt.scheduled(room, "2026-05-04T12:00:00", "2026-05-04T13:00:00")
    tt.assign(mine["id"], me)
    tt.assign(other["id"], colleague)
    participant = api.token_for("participant", delegation_id=delegation["id"], subject=me)
    with _stream(api, participant, types="scheduling.session.*") as events:
        for session in (other, mine):  # the other first: a leak would show before
            renamed = "Renamed " + session["id"][:4]
            moved = client.scheduling.update_session(session["id"], {"title": renamed})
            assert moved.title == renamed
        first = json.loads(next(iter(events)).data)
    assert first["data"]["session_id"] == mine["id"]
