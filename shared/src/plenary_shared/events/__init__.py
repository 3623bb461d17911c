"""Event payload models, one module per producing service, and the catalogue of all of them."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventPayload(BaseModel):
    """Base of every payload: consumers ignore unknown fields, producers set type and topic."""

    # every member is sent (defaults too), so the published schema requires each
    model_config = ConfigDict(
        extra="ignore", frozen=True, json_schema_serialization_defaults_required=True
    )

    event_type: ClassVar[str]
    topic: ClassVar[str]
    version: ClassVar[int] = 1

    @classmethod
    def dataschema(cls) -> str:
        """The versioned schema URI: a breaking change bumps `version`."""
        return f"urn:plenary:event:{cls.event_type}:v{cls.version}"


def catalogue() -> dict[str, type[EventPayload]]:
    """Every event type the platform publishes, keyed by its CloudEvents `type`."""
    from plenary_shared.events import delegation, notification, registration, scheduling

    found: dict[str, type[EventPayload]] = {}
    for module in (scheduling, delegation, registration, notification):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, EventPayload)
                and value.__dict__.get("event_type")
            ):
                found[value.event_type] = value
    return found
