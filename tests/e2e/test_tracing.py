"""One nomination, traced from its HTTP request to its webhook; its log lines carry the ids."""

import json
import uuid
from pathlib import Path

import pytest

from plenary_devstack.receiver import WebhookReceiver
from plenary_devstack.testing import person, wait_for
from plenary_shared.tracing import FILE_ENV

SERVICES = ("scheduling", "delegation", "registration", "notification")
NOMINATE = "/v1/meetings/{meeting_id}/applications"


def _restart(platform) -> None:
    for service in SERVICES:
        platform.stop_service(service)
        platform.start_service(service)
    platform.wait_ready(SERVICES)


@pytest.fixture(scope="module")
def traces(platform):
    """The services restarted with the file exporter on (and back to off afterwards)."""
    path = Path(platform.root) / f"traces-{uuid.uuid4().hex[:8]}.jsonl"
    platform.extra_env[FILE_ENV] = str(path)
    _restart(platform)
    try:
        yield path
    finally:
        platform.extra_env.pop(FILE_ENV, None)
        _restart(platform)


def _spans(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _chain(span: dict, by_id: dict[str, dict]) -> list[dict]:
    """The span and its ancestors, the root last."""
    chain = [span]
    while chain[-1]["parent_span_id"] is not None:
        chain.append(by_id[chain[-1]["parent_span_id"]])
    return chain


def _lines_with(platform, text: str) -> list[dict]:
    """Every log line of the services that mentions a text."""
    return [
        json.loads(raw)
        for service in SERVICES
        for raw in (platform.logs / f"{service}.log").read_text().splitlines()
        if text in raw
    ]


def _nominated(api, correlation_id: str):
    """A nomination in a new meeting and delegation, sent with this correlation id (raw: the
    test reads the answer's headers)."""
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    response = api.call(
        "registration",
        "POST",
        f"/v1/meetings/{meeting['id']}/applications",
        json=person(delegation_id=delegation["id"]),
        headers={"X-Correlation-ID": correlation_id},
    )
    assert response.status_code == 202, response.text
    return response


def test_with_tracing_off_logs_and_events_still_name_one_trace_id(api, platform, webhook):
    # (runs before the module's services are restarted with tracing on)
    correlation_id = f"untraced-{uuid.uuid4()}"
    application_id = _nominated(api, correlation_id).json()["id"]
    [nominated] = wait_for(
        lambda: webhook.events(
            event_type="registration.application.nominated", subject=application_id
        ),
        what="the nominated event's webhook",
    )
    [submitted] = webhook.events(
        event_type="registration.application.submitted", subject=application_id
    )
    # the request's made-up traceparent went along, unsampled, through two services' events
    trace_id = submitted["traceparent"].split("-")[1]
    assert nominated["traceparent"].split("-")[1] == trace_id
    assert nominated["traceparent"].endswith("-00")
    lines = _lines_with(platform, correlation_id)
    assert {(line["correlation_id"], line["trace_id"]) for line in lines} == {
        (correlation_id, trace_id)
    }
    [access] = [line for line in lines if line["event"] == "http request"]
    assert (access["route"], access["status"]) == (NOMINATE, 202)


def test_an_invitation_e_mail_is_sent_in_the_trace_of_the_request_that_caused_it(
    api, mailbox, traces
):
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    email = f"traced.{uuid.uuid4().hex[:8]}@example.org"
    assigned = api.call(
        "delegation",
        "POST",
        f"/v1/delegations/{delegation['id']}/focal-points",
        json={"email": email, "name": "Focal Point", "language": "en"},
    )
    assert assigned.status_code == 201, assigned.text
    mailbox.wait_for(email, timeout=120)

    def sent_in_a_trace() -> list[dict] | None:
        spans = _spans(traces)
        by_id = {s["span_id"]: s for s in spans}
        for span in spans:
            if span["name"] != "email send" or span["attributes"]["plenary.email_kind"] != (
                "invitation"
            ):
                continue
            try:
                chain = _chain(span, by_id)
            except KeyError:
                continue  # an ancestor not written yet
            root = chain[-1]
            if root["name"] == "POST /v1/delegations/{delegation_id}/focal-points":
                return chain
        return None

    chain = wait_for(sent_in_a_trace, what="the invitation's send span under its request")
    assert chain[-1]["service"] == "delegation"
    assert chain[0]["service"] == "notification" and chain[0]["status"] == "UNSET"
    assert len({s["trace_id"] for s in chain}) == 1
    assert chain[1]["kind"] == "CONSUMER"


def test_a_nomination_is_one_trace_from_its_request_to_its_webhook(api, platform, traces):
    receiver = WebhookReceiver()
    try:
        subscribed = api.call(
            "notification",
            "POST",
            "/v1/subscriptions",
            json={"url": receiver.url, "event_types": ["registration.application.nominated"]},
        )
        assert subscribed.status_code == 201, subscribed.text
        receiver.secret = subscribed.json()["secret"]
        correlation_id = f"trace-test-{uuid.uuid4()}"
        response = _nominated(api, correlation_id)
        assert response.headers["x-correlation-id"] == correlation_id
        application_id = response.json()["id"]
        [delivered] = wait_for(
            lambda: receiver.events(
                event_type="registration.application.nominated", subject=application_id
            ),
            what="the nominated event's webhook",
        )
    finally:
        receiver.close()

    def webhook_span() -> dict | None:
        found = [
            s
            for s in _spans(traces)
            if s["name"] == "webhook deliver"
            and s["attributes"].get("messaging.message.id") == delivered["id"]
        ]
        return found[0] if found else None

    webhook = wait_for(webhook_span, what="the webhook's span in the trace file")
    trace_id = webhook["trace_id"]
    spans = [s for s in _spans(traces) if s["trace_id"] == trace_id]
    by_id = {s["span_id"]: s for s in spans}
    chain = [(s["service"], s["kind"], s["name"]) for s in reversed(_chain(webhook, by_id))]
    assert chain == [
        ("registration", "SERVER", f"POST {NOMINATE}"),
        ("registration", "PRODUCER", "publish registration.application.submitted"),
        ("delegation", "CONSUMER", "process registration.application.submitted"),
        ("delegation", "PRODUCER", "publish delegation.nomination.accepted"),
        ("registration", "CONSUMER", "process delegation.nomination.accepted"),
        ("registration", "PRODUCER", "publish registration.application.nominated"),
        ("notification", "CLIENT", "webhook deliver"),
    ]
    root = by_id[_chain(webhook, by_id)[-1]["span_id"]]
    assert root["attributes"]["plenary.correlation_id"] == correlation_id
    assert root["attributes"]["http.response.status_code"] == 202
    # notification's handling of the event is in the trace too, beside the delivery
    handled = [
        s
        for s in spans
        if s["service"] == "notification"
        and s["name"] == "process registration.application.nominated"
    ]
    assert [s["parent_span_id"] for s in handled] == [webhook["parent_span_id"]]
    # what the receiver got carries the trace (CloudEvents distributed-tracing extension)
    assert delivered["traceparent"].split("-")[1] == trace_id
    assert delivered["correlationid"] == correlation_id

    # every log line written for this nomination carries both ids, the access line too
    lines = _lines_with(platform, correlation_id)
    assert {(line["correlation_id"], line["trace_id"]) for line in lines} == {
        (correlation_id, trace_id)
    }
    [access] = [line for line in lines if line["event"] == "http request"]
    assert (access["method"], access["route"], access["status"]) == ("POST", NOMINATE, 202)
    assert access["logger"] == "plenary_shared.api" and access["service"] == "registration"
    assert "duration_ms" in access
