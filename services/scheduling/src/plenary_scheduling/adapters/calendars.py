"""iCalendar feeds (RFC 5545) of sessions, in each venue's local time with its VTIMEZONE."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

UID_DOMAIN = "plenary"


def session_uid(session_id) -> str:
    """A session's UID: stable for its whole life, so a move updates the same calendar entry."""
    return f"{session_id}@{UID_DOMAIN}"


def feed(*, name: str, rows: list) -> bytes:
    """A calendar of sessions; moved ones carry a higher SEQUENCE, cancelled ones STATUS:CANCELLED."""
    calendar = Calendar()
    calendar.add("prodid", "-//Plenary//Scheduling//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for row in rows:
        zone = ZoneInfo(row.timezone)
        event = Event()
        event.add("uid", session_uid(row.id))
        event.add("summary", row.title)
        event.add("dtstart", row.starts_at.astimezone(zone))
        event.add("dtend", row.ends_at.astimezone(zone))
        event.add("dtstamp", row.updated_at.astimezone(UTC))
        event.add("last-modified", row.updated_at.astimezone(UTC))
        event.add("sequence", row.sequence)
        event.add("location", f"{row.room}, {row.venue}")
        event.add("categories", [row.format])
        event.add("status", "CANCELLED" if row.status == "cancelled" else "CONFIRMED")
        event.add("class", "PUBLIC" if row.visibility == "public" else "CONFIDENTIAL")
        if row.status == "cancelled" and row.cancel_reason:
            event.add("description", f"Cancelled: {row.cancel_reason}")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
