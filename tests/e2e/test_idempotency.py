"""Idempotency-Key: a retried command gives its first result and acts once."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from plenary_devstack.testing import person

MEETING = {
    "title": "Meeting of the Ministers of Transport",
    "city": "Bishkek",
    "venue": "Ala-Archa State Residence",
    "timezone": "Asia/Bishkek",
    "starts_on": "2026-06-02",
    "ends_on": "2026-06-03",
}


def _meetings_titled(api, title):
    return api.call("scheduling", "GET", "/v1/meetings", params={"q": title}).json()["total"]


async def test_a_retried_create_returns_the_first_result_and_publishes_once(api, kafka):
    key = str(uuid.uuid4())
    body = {**MEETING, "title": f"Transport ministers {key[:8]}"}
    first = api.call(
        "scheduling", "POST", "/v1/meetings", json=body, headers={"Idempotency-Key": key}
    )
    again = api.call(
        "scheduling", "POST", "/v1/meetings", json=body, headers={"Idempotency-Key": key}
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert _meetings_titled(api, body["title"]) == 1
    found = await kafka.wait_events("scheduling.events", subject=first.json()["id"])
    assert len(found) == 1

    other = api.call(
        "scheduling",
        "POST",
        "/v1/meetings",
        json={**body, "city": "Osh"},
        headers={"Idempotency-Key": key},
    )
    assert other.status_code == 422
    assert "already used for a different request" in other.json()["detail"]
    assert _meetings_titled(api, body["title"]) == 1


def test_concurrent_twins_with_one_key_act_once(api):
    key = str(uuid.uuid4())
    body = {**MEETING, "title": f"Concurrent twins {key[:8]}"}

    def send(_):
        return api.call(
            "scheduling", "POST", "/v1/meetings", json=body, headers={"Idempotency-Key": key}
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(send, range(6)))
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert {r.status_code for r in responses} <= {201, 409}
    assert _meetings_titled(api, body["title"]) == 1


def test_keys_are_per_caller_and_cover_nominations_and_decisions(api):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=3)
    focal_point = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-idem")
    key = str(uuid.uuid4())
    body = person(delegation_id=delegation["id"])
    path = f"/v1/meetings/{meeting['id']}/applications"
    first = api.call(
        "registration", "POST", path, json=body, token=focal_point, headers={"Idempotency-Key": key}
    )
    again = api.call(
        "registration", "POST", path, json=body, token=focal_point, headers={"Idempotency-Key": key}
    )
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    listed = api.call(
        "registration", "GET", path, params={"delegation_id": delegation["id"]}
    ).json()
    assert listed["total"] == 1

    # the same key from another caller is another request (here: the same e-mail, so a conflict)
    organiser_try = api.call(
        "registration", "POST", path, json=body, headers={"Idempotency-Key": key}
    )
    assert organiser_try.status_code == 409

    application_id = first.json()["id"]
    api.wait_state(application_id)
    decision = f"/v1/applications/{application_id}/decision"
    once = api.call(
        "registration",
        "POST",
        decision,
        json={"decision": "grant"},
        headers={"Idempotency-Key": "d1"},
    )
    twice = api.call(
        "registration",
        "POST",
        decision,
        json={"decision": "grant"},
        headers={"Idempotency-Key": "d1"},
    )
    assert once.status_code == twice.status_code == 200
    assert twice.json()["state"] == "accredited"
    history = api.call("registration", "GET", f"/v1/applications/{application_id}/history").json()
    assert [h["to_state"] for h in history] == ["submitted", "nominated", "accredited"]


def test_a_replayed_subscription_returns_the_same_secret(api):
    key = str(uuid.uuid4())
    # 127.0.0.2: the one non-public address the test platform lets webhooks reach
    body = {"url": "http://127.0.0.2:9/hook", "event_types": ["scheduling.*"]}
    first = api.call(
        "notification", "POST", "/v1/subscriptions", json=body, headers={"Idempotency-Key": key}
    )
    again = api.call(
        "notification", "POST", "/v1/subscriptions", json=body, headers={"Idempotency-Key": key}
    )
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["secret"] == first.json()["secret"]
    api.call("notification", "DELETE", f"/v1/subscriptions/{first.json()['id']}")
