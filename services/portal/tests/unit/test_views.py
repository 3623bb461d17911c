"""Quota bars and the schedule grid, computed from the services' answers."""

from datetime import datetime

from plenary_portal.domain.views import Bar, quota_bars, schedule_grid


def test_the_total_comes_first_then_each_category_with_its_own_quota():
    delegation = {
        "quota": 10,
        "quota_used": 4,
        "category_quotas": {"media": 2, "delegate": 6},
        "category_used": {"delegate": 3, "media": 2},
    }
    bars = quota_bars(delegation)
    assert [(b.name, b.used, b.limit) for b in bars] == [
        ("total", 4, 10),
        ("delegate", 3, 6),
        ("media", 2, 2),
    ]
    assert [b.percent for b in bars] == [40, 50, 100]
    assert [b.full for b in bars] == [False, False, True]


def test_a_bar_over_its_quota_is_capped_and_a_zero_quota_with_use_is_full():
    assert Bar("delegate", 7, 5).percent == 100 and Bar("delegate", 7, 5).full
    assert Bar("media", 1, 0).percent == 100
    assert Bar("media", 0, 0).percent == 0 and Bar("media", 0, 0).full
    assert Bar("support", 3, None).percent == 0 and not Bar("support", 3, None).full


def _session(sid, room, starts, ends):
    return {
        "id": sid,
        "room_id": room,
        "starts_at": f"2025-11-17T{starts}:00+03:00",
        "ends_at": f"2025-11-17T{ends}:00+03:00",
    }


def test_sessions_are_placed_by_room_and_quarter_hour_from_the_half_hour_before_the_first():
    rooms = [{"id": "a", "name": "Hall A"}, {"id": "b", "name": "Hall B"}]
    grid = schedule_grid(
        rooms,
        [_session("s1", "b", "09:40", "10:30"), _session("s2", "a", "11:00", "11:15")],
    )
    assert grid.start == datetime.fromisoformat("2025-11-17T09:30:00+03:00")
    s1, s2 = grid.slots
    assert (s1.column, s1.row, s1.span) == (2, 1, 4)  # 09:40 is in the first quarter; 50 min
    assert (s2.column, s2.row, s2.span) == (1, 7, 1)
    assert grid.rows == 7  # 09:30 to 11:15
    assert grid.times()[0].strftime("%H:%M") == "09:30" and len(grid.times()) == 7


def test_an_empty_day_has_no_rows():
    grid = schedule_grid([{"id": "a", "name": "Hall A"}], [])
    assert grid.rows == 0 and grid.times() == [] and grid.slots == []
