"""Meetings and sessions: the rules of a timetable, free of I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from plenary_shared.errors import Invalid
from plenary_shared.vocabulary import SessionFormat  # noqa: F401 - re-exported


@dataclass(frozen=True)
class MeetingDates:
    """A meeting's days in its venue's time zone."""

    starts_on: date
    ends_on: date
    timezone: str

    def check(self) -> None:
        """A meeting ends on or after the day it starts."""
        if self.ends_on < self.starts_on:
            raise Invalid(
                f"ends_on ({self.ends_on}) is before starts_on ({self.starts_on}); "
                "a meeting must end on or after the day it starts"
            )

    def localise(self, moment: datetime) -> datetime:
        """A session time in the venue's zone: naive times are venue-local wall-clock times."""
        zone = ZoneInfo(self.timezone)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=zone)
        return moment.astimezone(zone)

    def check_session(self, starts_at: datetime, ends_at: datetime) -> None:
        """A session ends after it starts and falls on the meeting's days (venue time)."""
        start, end = self.localise(starts_at), self.localise(ends_at)
        # compared in UTC: within one zone Python compares wall clocks, wrong in a repeated hour
        if end.astimezone(UTC) <= start.astimezone(UTC):
            raise Invalid("ends_at must be after starts_at")
        if start.date() < self.starts_on or end.date() > self.ends_on:
            raise Invalid(
                f"the session ({start:%Y-%m-%d %H:%M}-{end:%H:%M} {self.timezone}) falls outside "
                f"the meeting's days, {self.starts_on} to {self.ends_on}"
            )
