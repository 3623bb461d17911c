"""OpenTelemetry tracing, on only when the environment asks for an exporter; off, nothing runs.

On with `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): spans go by
OTLP over HTTP, batched; the other standard `OTEL_*` variables (headers, sampler, resource
attributes, `OTEL_SDK_DISABLED`) apply. On with `PLENARY_TRACE_FILE`: each finished span is
appended to that file as a JSON line (tests read it). Off, no span, no context and no SDK object
is made per request or event: a request's inbound `traceparent` (or a new unsampled one) is only
passed on, so logs and events still name one trace id across services.

The trace context crosses Kafka in the event itself, as the CloudEvents distributed-tracing
extension's `traceparent` and `tracestate` attributes (W3C Trace Context).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExportResult

FILE_ENV = "PLENARY_TRACE_FILE"
_PROPAGATOR = TraceContextTextMapPropagator()
_tracer: trace.Tracer | None = None
_provider: TracerProvider | None = None

# the correlation and trace ids of what this task handles now (a request, an event), for logs
IDS: ContextVar[tuple[str | None, str | None]] = ContextVar("plenary_ids", default=(None, None))
# with tracing off: the traceparent a request came with (or was given), passed on unrecorded
PASSED_ON: ContextVar[str | None] = ContextVar("plenary_traceparent", default=None)

__all__ = ["IDS", "Span", "SpanKind", "configure_tracing", "enabled"]


def enabled() -> bool:
    """Whether spans are recorded in this process."""
    return _tracer is not None


def wanted(env: Mapping[str, str]) -> bool:
    """Whether the environment asks for traces."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
        return bool(env.get(FILE_ENV))
    return bool(
        env.get(FILE_ENV)
        or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def configure_tracing(service: str, env: Mapping[str, str] = os.environ) -> bool:
    """Set up the SDK once per process when the environment asks for it; whether it is on."""
    global _tracer, _provider
    if _tracer is not None or not wanted(env):
        return _tracer is not None
    # imported only here: a process without tracing never loads the SDK
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME") or service})
    provider = TracerProvider(resource=resource)
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if path := env.get(FILE_ENV):
        provider.add_span_processor(SimpleSpanProcessor(_json_lines_exporter(path)))
    _provider = provider
    _tracer = provider.get_tracer("plenary")
    return True


def shutdown() -> None:
    """Export what is buffered and stop (at the end of the service's life)."""
    global _tracer, _provider
    if _provider is not None:
        _provider.shutdown()
    _tracer, _provider = None, None


def parse(carrier: Mapping[str, str]) -> Context:
    """The remote parent a carrier (an event, HTTP headers) names, or an empty context."""
    return _PROPAGATOR.extract(carrier, context=Context())


def carrier_of(span: Span | None = None) -> dict[str, str]:
    """`traceparent` (and `tracestate`) of a span, or of the current one; when off, the
    traceparent the request passes on, if any."""
    if _tracer is None:
        passed_on = PASSED_ON.get()
        return {"traceparent": passed_on} if passed_on is not None else {}
    carrier: dict[str, str] = {}
    context = trace.set_span_in_context(span) if span is not None else None
    _PROPAGATOR.inject(carrier, context=context)
    return carrier


def trace_id_of(span: Span) -> str:
    """A span's trace id as 32 hex digits."""
    return format(span.get_span_context().trace_id, "032x")


def trace_id_in(traceparent: str | None) -> str | None:
    """The trace id a W3C traceparent names (tracing on or off), or None."""
    if traceparent is None or len(traceparent) < 35 or traceparent[2] != "-":
        return None
    return traceparent[3:35]


def unrecorded(traceparent: str | None) -> str:
    """With tracing off: a well-formed inbound traceparent as it is, else a new one that is not
    sampled. Logs and events then name one trace id across services, without any SDK work."""
    if (
        traceparent is not None
        and len(traceparent) == 55
        and traceparent[2] == traceparent[35] == traceparent[52] == "-"
        and traceparent[3:35] != _NO_TRACE
    ):
        return traceparent
    ids = os.urandom(24).hex()
    return f"00-{ids[:32]}-{ids[32:]}-00"


_NO_TRACE = "0" * 32


def start(
    name: str,
    *,
    kind: SpanKind,
    parent: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Span | None:
    """A started span (not made current): child of `parent` when given, else of the current
    span; None when tracing is off. The caller ends it."""
    if _tracer is None:
        return None
    context = parse(parent) if parent is not None else None
    return _tracer.start_span(name, context=context, kind=kind, attributes=attributes)


@contextmanager
def span(
    name: str,
    *,
    kind: SpanKind,
    parent: Mapping[str, str] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span | None]:
    """A span around a block, current inside it (None and nothing else when tracing is off)."""
    if _tracer is None:
        yield None
        return
    started = start(name, kind=kind, parent=parent, attributes=attributes)
    assert started is not None
    with trace.use_span(started, end_on_exit=True, record_exception=True):
        yield started


def current(span: Span):
    """Make a span the current one inside a block (it is not ended there)."""
    return trace.use_span(span, end_on_exit=False)


def end(span: Span | None, error: BaseException | None = None, *, failed: bool = False) -> None:
    """End a span, marked failed when it `failed` or with the error when there is one."""
    if span is None:
        return
    if error is not None:
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
    elif failed:
        span.set_status(Status(StatusCode.ERROR))
    span.end()


def _json_lines_exporter(path: str):
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class JsonLinesExporter(SpanExporter):
        """Appends each finished span to a file as one JSON line (several processes may share it)."""

        def __init__(self) -> None:
            self._lock = threading.Lock()

        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            data = "".join(json.dumps(_as_json(s)) + "\n" for s in spans).encode()
            with self._lock:
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, data)  # one write per batch, appended whole
                finally:
                    os.close(fd)
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            """Nothing is held open."""

    return JsonLinesExporter()


def _as_json(span: ReadableSpan) -> dict[str, Any]:
    context = span.get_span_context()
    assert context is not None
    return {
        "name": span.name,
        "service": span.resource.attributes.get("service.name"),
        "kind": span.kind.name,
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
    }
