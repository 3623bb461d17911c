"""Tracing on and off, the request middleware's metrics, ids and access line."""

import json
import re
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from plenary_shared import tracing
from plenary_shared.api import TelemetryMiddleware
from plenary_shared.db import UnitOfWork
from plenary_shared.envelope import CloudEvent
from plenary_shared.events.registration import SessionEnded
from plenary_shared.logging import configure_logging
from plenary_shared.outbox import _publishing, kafka_record

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _payload() -> SessionEnded:
    return SessionEnded(sid=uuid.uuid4(), account_id=uuid.uuid4(), expires_at=datetime.now(UTC))


def _unit_of_work() -> UnitOfWork:
    # emit and caused_by touch no database; the tables are never read here
    return UnitOfWork(engine=None, tables=None, source="/plenary/test")  # type: ignore[arg-type]


@pytest.fixture
def traced(tmp_path):
    """Tracing on in this process, spans written to a file; off again afterwards."""
    path = tmp_path / "spans.jsonl"
    assert not tracing.enabled()
    assert tracing.configure_tracing("test", {tracing.FILE_ENV: str(path)})
    try:
        yield path
    finally:
        tracing.shutdown()


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "x"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({tracing.FILE_ENV: "/tmp/spans.jsonl"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_tracing_is_on_only_when_an_exporter_is_configured(env, wanted) -> None:
    assert tracing.wanted(env) is wanted


async def test_off_nothing_is_traced_and_events_carry_no_trace_context() -> None:
    assert not tracing.configure_tracing("test", {})
    assert tracing.start("x", kind=tracing.SpanKind.SERVER) is None
    assert tracing.carrier_of() == {}
    uow = _unit_of_work()
    event = await uow.emit(_payload(), subject="s")
    assert event.traceparent is None
    assert "traceparent" not in json.loads(event.to_kafka()[1])
    # an event that comes with a trace context still names its trace id in the logs
    uow.caused_by(event.model_copy(update={"traceparent": TRACEPARENT}))
    assert tracing.IDS.get() == (event.correlationid, "0af7651916cd43dd8448eb211c80319c")


@pytest.mark.parametrize(
    "given",
    [
        None,
        "",
        "garbage",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-abc-def-01",
    ],
)
def test_off_a_request_without_a_valid_traceparent_gets_a_new_unsampled_one(given) -> None:
    made = tracing.unrecorded(given)
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-00", made)
    assert made != tracing.unrecorded(given)


def test_off_a_valid_traceparent_is_passed_on_as_it_came() -> None:
    assert tracing.unrecorded(TRACEPARENT) == TRACEPARENT


async def test_off_what_a_request_emits_carries_its_traceparent_unrecorded() -> None:
    token = tracing.PASSED_ON.set(TRACEPARENT)
    try:
        event = await _unit_of_work().emit(_payload(), subject="s")
    finally:
        tracing.PASSED_ON.reset(token)
    assert event.traceparent == TRACEPARENT
    consumer = _unit_of_work()
    consumer.caused_by(event)
    caused = await consumer.emit(_payload(), subject="t")
    assert caused.traceparent == TRACEPARENT


async def test_request_outbox_record_and_consumer_are_one_trace(traced) -> None:
    with tracing.span("POST /x", kind=tracing.SpanKind.SERVER) as server:
        assert server is not None
        emitted = await _unit_of_work().emit(_payload(), subject="s")
    assert emitted.traceparent is not None
    envelope = emitted.model_dump(mode="json", exclude_none=True)
    published, producer = _publishing(envelope, "registration.accounts")
    tracing.end(producer)
    record = CloudEvent.from_kafka(kafka_record(published)[1])
    consumer = _unit_of_work()
    consumer.caused_by(record)
    caused = await consumer.emit(_payload(), subject="t")
    await consumer.__aexit__(None, None, None)  # ends the consumer span

    spans = {s["name"]: s for s in map(json.loads, traced.read_text().splitlines())}
    assert set(spans) == {
        "POST /x",
        "publish registration.session.ended",
        "process registration.session.ended",
    }
    server_span, publish, process = spans.values()
    assert {s["trace_id"] for s in spans.values()} == {server_span["trace_id"]}
    assert server_span["parent_span_id"] is None
    assert publish["parent_span_id"] == server_span["span_id"]
    assert process["parent_span_id"] == publish["span_id"]
    assert (publish["kind"], process["kind"]) == ("PRODUCER", "CONSUMER")
    assert emitted.traceparent.split("-")[2] == server_span["span_id"]
    assert record.traceparent is not None and record.traceparent.split("-")[2] == publish["span_id"]
    # what the consumer emits is in the trace, caused in its span
    assert caused.traceparent is not None and caused.traceparent.split("-")[2] == process["span_id"]
    assert tracing.IDS.get() == (emitted.correlationid, server_span["trace_id"])


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict:
        import structlog

        structlog.get_logger("test").info("looked up", item_id=item_id)
        return {"id": item_id}

    app.add_middleware(TelemetryMiddleware, service="unit")
    return app


def _count(**labels: str) -> float:
    sample = REGISTRY.get_sample_value(
        "plenary_http_request_duration_seconds_count", {"service": "unit", **labels}
    )
    return sample or 0.0


async def test_a_request_is_timed_by_its_route_template_and_its_lines_carry_the_ids(
    capsys,
) -> None:
    configure_logging(service="unit")
    before = _count(route="/items/{item_id}", method="GET", status="200")
    unmatched = _count(route="unmatched", method="GET", status="404")
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as http:
        given = await http.get(
            "/items/42", headers={"X-Correlation-ID": "corr-given", "traceparent": TRACEPARENT}
        )
        made_up = await http.get("/items/43")
        await http.get("/nowhere/7")
    assert given.headers["x-correlation-id"] == "corr-given"
    assert made_up.headers["x-correlation-id"]
    assert _count(route="/items/{item_id}", method="GET", status="200") == before + 2
    assert _count(route="unmatched", method="GET", status="404") == unmatched + 1

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    first = [line for line in lines if line.get("correlation_id") == "corr-given"]
    assert [line["event"] for line in first] == ["looked up", "http request"]
    assert {line["trace_id"] for line in first} == {"0af7651916cd43dd8448eb211c80319c"}
    access = first[1]
    assert (access["method"], access["route"], access["status"]) == ("GET", "/items/{item_id}", 200)
    second = [line for line in lines if line.get("item_id") == "43"]
    assert second[0]["correlation_id"] == made_up.headers["x-correlation-id"]
    # without a traceparent, the request still has a trace id for its lines (tracing off)
    assert re.fullmatch("[0-9a-f]{32}", second[0]["trace_id"])
    assert second[0]["trace_id"] != "0af7651916cd43dd8448eb211c80319c"
    # outside any request, no ids
    assert tracing.IDS.get() == (None, None)


def test_the_access_log_is_the_apps_own_structured_line() -> None:
    import logging

    configure_logging(service="unit")
    assert not logging.getLogger("uvicorn.access").hasHandlers()
