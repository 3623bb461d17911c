"""How long personal document data is kept after a meeting, free of I/O."""

from __future__ import annotations

from datetime import date, timedelta

from plenary_shared.errors import Conflict


def purge_due_on(ends_on: date, *, retention_days: int) -> date:
    """The first day the document data of a meeting that ended on `ends_on` is purged."""
    return ends_on + timedelta(days=retention_days + 1)


def is_due(ends_on: date, *, retention_days: int, today: date) -> bool:
    """Whether the scheduled purge of a meeting's document data has come."""
    return today >= purge_due_on(ends_on, retention_days=retention_days)


def ensure_ended(ends_on: date, *, today: date) -> None:
    """Organisers may purge early, but not before the meeting is over."""
    if today <= ends_on:
        raise Conflict(
            f"the meeting ends on {ends_on}; document data is needed until then and can be "
            "purged from the day after"
        )
