"""Structured logging (structlog, JSON lines) with personal document data redacted everywhere."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from plenary_shared.tracing import IDS

SENSITIVE_KEYS = frozenset({"passport_number", "date_of_birth", "password", "secret", "token"})


def redact(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Replace the values of sensitive keys, at any depth."""
    return _redact(event_dict)


def add_ids(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """The correlation and trace ids of the request or event being handled, when there is one."""
    correlation_id, trace_id = IDS.get()
    if correlation_id is not None:
        event_dict.setdefault("correlation_id", correlation_id)
    if trace_id is not None:
        event_dict.setdefault("trace_id", trace_id)
    return event_dict


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "[redacted]" if k in SENSITIVE_KEYS else _redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def configure_logging(
    *, service: str, level: str = "INFO", json: bool = True, kafka_level: str = "WARNING"
) -> None:
    """Route structlog and the standard library (uvicorn, aiokafka) through one renderer."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_ids,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        # below the level, a call is dropped before any processor runs
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # the access log is written by the app (plenary_shared.api.TelemetryMiddleware), with its
    # fields; without a handler uvicorn does not even format its own line
    logging.getLogger("uvicorn.access").propagate = False
    logging.getLogger("aiokafka").setLevel(kafka_level)
    if root.getEffectiveLevel() > logging.DEBUG:
        # a line per webhook sent says nothing the delivery records do not (DEBUG shows it)
        logging.getLogger("httpx").setLevel(logging.WARNING)
    structlog.contextvars.bind_contextvars(service=service)
