"""When personal document data is purged."""

from datetime import date

import pytest

from plenary_registration.domain.retention import ensure_ended, is_due, purge_due_on
from plenary_shared.errors import Conflict


def test_the_purge_falls_due_the_day_after_the_retention_period():
    ends = date(2025, 11, 18)
    assert purge_due_on(ends, retention_days=30) == date(2025, 12, 19)
    assert not is_due(ends, retention_days=30, today=date(2025, 12, 18))
    assert is_due(ends, retention_days=30, today=date(2025, 12, 19))
    assert is_due(ends, retention_days=0, today=date(2025, 11, 19))
    assert not is_due(ends, retention_days=0, today=ends)


def test_an_early_purge_waits_until_the_meeting_is_over():
    ensure_ended(date(2025, 11, 18), today=date(2025, 11, 19))
    with pytest.raises(Conflict, match="from the day after"):
        ensure_ended(date(2025, 11, 18), today=date(2025, 11, 18))
