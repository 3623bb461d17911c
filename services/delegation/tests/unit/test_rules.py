"""Unit tests of quota changes, withdrawal, protocol order, local times and logistics rules."""

# ruff: noqa: RUF001, RUF003 - Russian names are Cyrillic on purpose

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from plenary_delegation.domain.model import (
    Decision,
    TravelMode,
    check_movement,
    check_quotas,
    check_stay,
    collation_key,
    decide,
    ensure_active,
    headcount,
    local_day,
    localise,
    merge_limits,
    search_fold,
)
from plenary_shared.errors import Conflict, Invalid


def test_a_withdrawn_delegation_rejects_even_with_a_seat_free() -> None:
    outcome = decide(took_seat=False, withdrawn=True, quota=5, used=1)
    assert (outcome.decision, outcome.reason) == (Decision.REJECTED, "delegation_withdrawn")


def test_lowering_a_category_quota_below_use_names_the_count() -> None:
    with pytest.raises(Conflict) as refused:
        check_quotas(
            quota=None, used=5, category_quotas={"adviser": 2}, category_used={"adviser": 3}
        )
    assert "adviser quota cannot be 2: 3 advisers are already accepted" in refused.value.detail
    assert refused.value.status == 409


def test_every_quota_below_use_is_named_in_one_refusal() -> None:
    with pytest.raises(Conflict) as refused:
        check_quotas(
            quota=4,
            used=5,
            category_quotas={"security": 0, "media": 1},
            category_used={"security": 1, "media": 1},
        )
    detail = refused.value.detail
    assert "quota cannot be 4: 5 participants are already accepted" in detail
    assert "security quota cannot be 0: 1 security officer is already accepted" in detail
    assert "media quota" not in detail  # 1 of 1 is allowed


def test_quotas_at_or_above_use_are_allowed() -> None:
    check_quotas(quota=5, used=5, category_quotas={"adviser": 3}, category_used={"adviser": 3})
    check_quotas(quota=None, used=9, category_quotas={"delegate": 0}, category_used={})


@pytest.mark.parametrize(
    ("category", "count", "text"),
    [
        ("adviser", 1, "1 adviser is"),
        ("delegate", 2, "2 delegates are"),
        ("support", 3, "3 support staff members are"),
        (None, 1, "1 participant is"),
        ("interpreter", 2, "2 interpreter nominees are"),
    ],
)
def test_headcount_reads_naturally(category, count, text) -> None:
    assert headcount(category, count) == text


def test_merge_limits_sets_and_lifts() -> None:
    merged = merge_limits({"adviser": 3, "media": 2}, {"adviser": 5, "media": None, "delegate": 1})
    assert merged == {"adviser": 5, "delegate": 1}


def test_a_withdrawn_delegation_cannot_be_changed() -> None:
    ensure_active(status="active", name="Mongolia")
    with pytest.raises(Conflict, match="Mongolia withdrew from the meeting on 2025-11-10"):
        ensure_active(
            status="withdrawn", name="Mongolia", withdrawn_at=datetime(2025, 11, 10, tzinfo=UTC)
        )


def test_refusals_render_as_problem_documents() -> None:
    import json

    from plenary_shared.errors import problem

    with pytest.raises(Conflict) as refused:
        ensure_active(status="withdrawn", name="Mongolia")
    error = refused.value
    body = json.loads(problem(error.status, error.title, error.detail, **error.extra).body)
    assert body["status"] == 409 and body["current_status"] == "withdrawn"


def _order(names: list[str], lang: str) -> list[str]:
    return sorted(names, key=lambda n: collation_key(n, lang=lang))


def test_russian_order_treats_yo_as_ye_then_after_it() -> None:
    # code-point order would put Ё before А and ё after я
    names = ["Жуковская", "Ёлкинская", "Елецкая", "Ёж", "Еж", "Абхазская"]
    assert _order(names, "ru") == ["Абхазская", "Еж", "Ёж", "Елецкая", "Ёлкинская", "Жуковская"]


def test_russian_order_keeps_short_i_as_its_own_letter() -> None:
    assert _order(["Йемен", "Исландия", "Израиль"], "ru") == ["Израиль", "Исландия", "Йемен"]


def test_russian_order_is_not_code_point_order() -> None:
    names = ["Кыргызская Республика", "Китайская Народная Республика", "Российская Федерация"]
    assert _order(names, "ru") == [
        "Китайская Народная Республика",
        "Кыргызская Республика",
        "Российская Федерация",
    ]


def test_english_order_ignores_case_and_accents() -> None:
    names = ["Republic of Tunisia", "republic of Türkiye", "Republic of Tajikistan"]
    assert _order(names, "en") == [
        "Republic of Tajikistan",
        "Republic of Tunisia",
        "republic of Türkiye",
    ]


def test_search_ignores_case_accents_and_yo() -> None:
    assert search_fold("КАЗАХ") in search_fold("Республика Казахстан")
    assert search_fold("turkiye") in search_fold("Republic of Türkiye")
    assert search_fold("ёлк") == search_fold("елк")


def test_a_naive_time_is_the_venues_wall_clock() -> None:
    local = localise(datetime(2025, 11, 17, 1, 30), "Europe/Moscow")
    assert local.utcoffset() == timedelta(hours=3)
    assert local.astimezone(UTC) == datetime(2025, 11, 16, 22, 30, tzinfo=UTC)


def test_an_aware_time_keeps_its_instant() -> None:
    sent = datetime(2025, 11, 17, 10, 0, tzinfo=timezone(timedelta(hours=6)))
    local = localise(sent, "Europe/Moscow")
    assert local == sent and local.hour == 7


def test_a_wall_clock_time_the_clocks_skip_is_refused() -> None:
    with pytest.raises(Invalid, match="does not exist in Europe/Berlin"):
        localise(datetime(2026, 3, 29, 2, 30), "Europe/Berlin")


def test_a_local_day_in_utc() -> None:
    start, end = local_day(date(2025, 11, 17), "Europe/Moscow")
    assert start == datetime(2025, 11, 16, 21, 0, tzinfo=UTC)
    assert end == datetime(2025, 11, 17, 21, 0, tzinfo=UTC)


def test_a_local_day_across_a_clock_change_has_23_hours() -> None:
    start, end = local_day(date(2026, 3, 29), "Europe/Berlin")
    assert end - start == timedelta(hours=23)


def _movement(**overrides) -> None:
    values = {
        "mode": TravelMode.FLIGHT,
        "number": "SU 1234",
        "local": localise(datetime(2025, 11, 16, 14, 35), "Europe/Moscow"),
        "starts_on": date(2025, 11, 17),
        "ends_on": date(2025, 11, 18),
        "timezone": "Europe/Moscow",
        **overrides,
    }
    check_movement(**values)


def test_a_flight_needs_its_number_a_car_does_not() -> None:
    _movement()
    _movement(mode=TravelMode.ROAD, number=None)
    with pytest.raises(Invalid, match="a flight needs its number"):
        _movement(number=None)


def test_travel_far_from_the_meeting_is_refused() -> None:
    far = localise(datetime(2026, 11, 16, 14, 35), "Europe/Moscow")
    with pytest.raises(Invalid, match="more than 30 days away"):
        _movement(local=far)


def test_a_stay_lasts_at_least_a_night() -> None:
    check_stay(check_in=date(2025, 11, 16), check_out=date(2025, 11, 19))
    with pytest.raises(Invalid, match="must be after check_in"):
        check_stay(check_in=date(2025, 11, 16), check_out=date(2025, 11, 16))
