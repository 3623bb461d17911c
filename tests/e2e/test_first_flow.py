"""The first flow across the four running services and the broker, ending in a verified webhook."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import pytest

from plenary_client import Conflict
from plenary_devstack.testing import person, wait_for
from plenary_registration.entrypoints.api.accounts import PUBLIC_PATHS


def test_nomination_to_accreditation_reaches_every_service_and_the_webhook(api, client, webhook):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=3, country_code="KAZ")
    focal_point = api.token_for("focal_point", delegation_id=delegation["id"], subject="fp-kaz")

    submitted = api.nominate(meeting["id"], delegation["id"], token=focal_point)
    assert submitted.status_code == 202, submitted.text
    application = submitted.json()
    assert application["state"] == "submitted"
    assert submitted.headers["location"] == f"/v1/applications/{application['id']}"

    assert api.wait_state(application["id"])["state"] == "nominated"
    decided = client.registration.decide(application["id"], {"decision": "grant"})
    assert decided.state == "accredited"

    participants = wait_for(
        lambda: client.scheduling.list_participants(meeting["id"]).items,
        what="scheduling to record the accredited participant",
    )
    assert [str(p.application_id) for p in participants] == [application["id"]]

    expected = [
        ("scheduling.meeting.created", meeting["id"]),
        ("delegation.delegation.registered", delegation["id"]),
        ("registration.application.submitted", application["id"]),
        ("delegation.nomination.accepted", application["id"]),
        ("registration.application.nominated", application["id"]),
        ("registration.accreditation.granted", application["id"]),
    ]
    for event_type, subject in expected:
        received = wait_for(
            lambda t=event_type, s=subject: webhook.events(event_type=t, subject=s),
            what=f"webhook of {event_type}",
        )
        assert len(received) == 1
    granted = webhook.events(
        event_type="registration.accreditation.granted", subject=application["id"]
    )[0]
    assert granted["data"]["delegation_id"] == delegation["id"]
    assert granted["specversion"] == "1.0" and granted["correlationid"]
    assert webhook.bad_signatures == 0

    history = client.registration.get_history(application["id"])
    assert [(h.from_state, h.to_state) for h in history] == [
        (None, "submitted"),
        ("submitted", "nominated"),
        ("nominated", "accredited"),
    ]
    assert history[-1].actor == "test-organiser"


def test_a_callers_correlation_id_and_the_causation_chain_follow_the_events(api, client, webhook):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    body = person(delegation_id=delegation["id"])
    api.sent_passports.add(body["passport_number"])
    submitted = client.registration.submit_application(
        meeting["id"], body, correlation_id="desk-trace-42"
    )
    app_id = str(submitted.id)
    chain = [
        wait_for(lambda t=t: webhook.events(event_type=t, subject=app_id), what=t)[0]
        for t in (
            "registration.application.submitted",
            "delegation.nomination.accepted",
            "registration.application.nominated",
        )
    ]
    assert {e["correlationid"] for e in chain} == {"desk-trace-42"}
    assert chain[1]["causationid"] == chain[0]["id"]
    assert chain[2]["causationid"] == chain[1]["id"]


def test_webhook_is_retried_with_backoff_until_the_receiver_recovers(api, client, webhook):
    # refused: the meeting's own delivery, never one an earlier test left on its way
    webhook.fail_type, webhook.fail_next = "scheduling.meeting.created", 2
    try:
        meeting = api.create_meeting()
        received = wait_for(
            lambda: webhook.events(event_type="scheduling.meeting.created", subject=meeting["id"]),
            what="the meeting event after two refused attempts",
        )
    finally:
        webhook.fail_type = None
    assert len(received) == 1
    assert webhook.rejected >= 2
    log = wait_for(
        lambda: [
            d
            for d in client.notification.iter_list_deliveries(
                webhook.subscription_id, status="delivered", page_size=500
            )
            if str(d.event_id) == received[0]["id"]
        ],
        what="the delivery log entry",
    )
    assert log[0].attempts >= 3


def test_over_quota_exactly_n_accepted_under_concurrency(api, client):
    quota = 5
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"], quota=quota)
    with ThreadPoolExecutor(max_workers=10) as pool:
        submitted = list(
            pool.map(lambda _: api.submit(meeting["id"], delegation["id"]), range(quota + 5))
        )
    final = [api.wait_state(a["id"]) for a in submitted]
    states = sorted(a["state"] for a in final)
    assert states == ["nominated"] * quota + ["rejected"] * 5
    assert {a["reason"] for a in final if a["state"] == "rejected"} == {"quota_exceeded"}
    assert client.delegation.get_delegation(delegation["id"]).quota_used == quota


def test_a_focal_point_acts_only_for_its_own_delegation(api):
    meeting = api.create_meeting()
    own = api.register_delegation(meeting["id"])
    other = api.register_delegation(meeting["id"])
    token = api.token_for("focal_point", delegation_id=own["id"])

    assert (
        api.call("delegation", "GET", f"/v1/delegations/{other['id']}", token=token).status_code
        == 404
    )
    assert (
        api.call("delegation", "GET", f"/v1/delegations/{own['id']}", token=token).status_code
        == 200
    )
    refused = api.nominate(meeting["id"], other["id"], token=token)
    assert refused.status_code == 403
    assert "own delegation" in refused.json()["detail"]
    listed = api.call(
        "delegation", "GET", f"/v1/meetings/{meeting['id']}/delegations", token=token
    ).json()
    assert [d["id"] for d in listed["items"]] == [own["id"]]
    theirs = api.nominate(meeting["id"], other["id"]).json()
    assert (
        api.call("registration", "GET", f"/v1/applications/{theirs['id']}", token=token).status_code
        == 404
    )
    assert (
        api.call(
            "registration",
            "POST",
            f"/v1/applications/{theirs['id']}/decision",
            json={"decision": "grant"},
            token=token,
        ).status_code
        == 403
    )
    assert api.call("scheduling", "POST", "/v1/meetings", json={}, token=token).status_code == 403


def test_every_v1_route_of_every_service_requires_a_token(api):
    public = set(PUBLIC_PATHS)
    for service in ("scheduling", "delegation", "registration", "notification"):
        spec = api.call(service, "GET", "/openapi.json").json()
        routes = [(m, p) for p, item in spec["paths"].items() for m in item if p.startswith("/v1")]
        assert routes, service
        public -= {p for _, p in routes}
        routes = [(m, p) for m, p in routes if p not in PUBLIC_PATHS]
        for method, path in routes:
            concrete = path.replace("{", "").replace("}", "")
            for segment in ("meeting_id", "delegation_id", "application_id", "subscription_id"):
                concrete = concrete.replace(segment, "00000000-0000-0000-0000-000000000000")
            concrete = concrete.replace("dead_letter_id", "1")
            response = api.call(service, method.upper(), concrete, token="")
            assert response.status_code == 401, (service, method, path, response.status_code)
            forged = api.call(service, method.upper(), concrete, token="not-a-jwt")
            assert forged.status_code == 401, (service, method, path)
    assert not public, f"listed as public but served by no service: {public}"


def test_a_granted_decision_twice_is_refused_with_the_current_state(api, client):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    application = api.submit(meeting["id"], delegation["id"])
    decide = client.registration.decide
    with suppress(Conflict):  # while still submitted, the grant may be early
        decide(application["id"], {"decision": "grant"})
    api.wait_state(application["id"])
    with suppress(Conflict):  # refused, unless the early grant was taken
        decide(application["id"], {"decision": "refuse", "reason": "incomplete documents"})
    with pytest.raises(Conflict) as again:
        decide(application["id"], {"decision": "grant"})
    assert again.value.current_state in ("refused", "accredited")
