"""Subscriptions and the live stream reach only what their owner may see, by role, not by a claim."""

import uuid

import httpx

STREAM = {"channel": "stream", "event_types": ["registration.*"]}


def _stream_status(api, token, **params) -> int:
    """The status the live stream answers with (read no further than the headers)."""
    with (
        httpx.Client(base_url=api.platform.url("notification"), timeout=10) as http,
        http.stream(
            "GET", "/v1/stream", params=params, headers={"authorization": f"Bearer {token}"}
        ) as response,
    ):
        return response.status_code


def _call(api, method, path, token, **kw) -> httpx.Response:
    return api.call("notification", method, path, token=token, **kw)


def test_a_focal_point_without_a_delegation_claim_is_refused_and_changes_nothing(api):
    subject = f"fp.noclaim.{uuid.uuid4().hex[:6]}@example.org"
    claimless = api.token_for("focal_point", subject=subject)
    assert _call(api, "GET", "/v1/subscriptions", claimless).status_code == 403
    assert _call(api, "POST", "/v1/subscriptions", claimless, json=STREAM).status_code == 403
    assert _stream_status(api, claimless) == 403
    assert _call(api, "GET", "/v1/email-preferences/me", claimless).status_code == 403
    chosen = _call(
        api, "PUT", "/v1/email-preferences/me", claimless, json={"decisions": "daily_digest"}
    )
    assert chosen.status_code == 403
    with_claim = api.token_for("focal_point", delegation_id=str(uuid.uuid4()), subject=subject)
    unchanged = _call(api, "GET", "/v1/email-preferences/me", with_claim)
    assert unchanged.status_code == 200 and unchanged.json()["decisions"] == "immediate"


def test_a_subscription_is_its_owners_only_within_what_the_owner_may_see_now(api):
    subject = f"fp.owner.{uuid.uuid4().hex[:6]}@example.org"
    mine, other = str(uuid.uuid4()), str(uuid.uuid4())
    owner = api.token_for("focal_point", delegation_id=mine, subject=subject)
    made = _call(api, "POST", "/v1/subscriptions", owner, json=STREAM)
    assert made.status_code == 201, made.text
    assert made.json()["delegation_id"] == mine
    path = f"/v1/subscriptions/{made.json()['id']}"
    # the same subject for another delegation, or as organiser staff, does not own it
    for stranger in (
        api.token_for("focal_point", delegation_id=other, subject=subject),
        api.token_for("organiser", subject=subject),
    ):
        assert _call(api, "GET", path, stranger).status_code == 404
        assert _call(api, "PATCH", path, stranger, json={"description": "x"}).status_code == 404
        assert _call(api, "DELETE", path, stranger).status_code == 404
        listed = _call(api, "GET", "/v1/subscriptions", stranger).json()["items"]
        assert made.json()["id"] not in {s["id"] for s in listed}
        assert _stream_status(api, stranger, subscription_id=made.json()["id"]) == 404
    kept = _call(api, "GET", path, owner)
    assert kept.status_code == 200 and kept.json()["description"] is None


def test_a_participant_with_a_delegation_claim_subscribes_only_to_itself(api):
    me, delegation = str(uuid.uuid4()), str(uuid.uuid4())
    participant = api.token_for("participant", delegation_id=delegation, subject=me)
    made = _call(api, "POST", "/v1/subscriptions", participant, json=STREAM)
    assert made.status_code == 201, made.text
    assert made.json()["delegation_id"] is None and made.json()["application_id"] == me
    wider = _call(
        api, "POST", "/v1/subscriptions", participant, json={**STREAM, "delegation_id": delegation}
    )
    assert wider.status_code == 403
    widened = _call(
        api,
        "PATCH",
        f"/v1/subscriptions/{made.json()['id']}",
        participant,
        json={"delegation_id": delegation},
    )
    assert widened.status_code == 403
    listed = _call(api, "GET", "/v1/subscriptions", participant).json()["items"]
    assert [(s["delegation_id"], s["application_id"]) for s in listed] == [(None, me)]
