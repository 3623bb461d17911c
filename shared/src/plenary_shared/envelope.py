"""CloudEvents 1.0 envelope carried in structured mode by the Kafka protocol binding."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json"


class CloudEvent(BaseModel):
    """One event: CloudEvents attributes plus the correlation, causation and distributed-tracing
    (`traceparent`, `tracestate`: W3C Trace Context) extensions."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = "application/json"
    dataschema: str | None = None
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    data: dict[str, Any]

    def to_kafka(self) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
        """Kafka key, value and headers of this event (structured content mode)."""
        value = self.model_dump_json(exclude_none=True).encode()
        return self.subject.encode(), value, [("content-type", CONTENT_TYPE.encode())]

    @classmethod
    def from_kafka(cls, value: bytes) -> CloudEvent:
        """Parse a Kafka record value; raises ValueError on anything that is not an event."""
        return cls.model_validate(json.loads(value))
