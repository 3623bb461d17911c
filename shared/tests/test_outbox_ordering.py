"""Unit tests of the relay's per-key ordering rule."""

from __future__ import annotations

from types import SimpleNamespace

from plenary_shared.outbox import _in_key_order


def _rows(*pairs: tuple[int, str]) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=i, key=k) for i, k in pairs]


def test_all_rows_ours_publishes_all() -> None:
    unsent = _rows((1, "a"), (2, "b"), (3, "a"), (4, "c"), (5, "b"))
    assert _in_key_order(locked_ids={1, 2, 3, 4, 5}, unsent=unsent) == {1, 2, 3, 4, 5}


def test_nothing_unsent_publishes_nothing() -> None:
    assert _in_key_order(locked_ids=set(), unsent=[]) == set()


def test_key_whose_earliest_row_is_locked_elsewhere_publishes_nothing() -> None:
    # row 1 of key "a" belongs to another relay; our rows 3 and 5 of "a" must wait.
    unsent = _rows((1, "a"), (2, "b"), (3, "a"), (4, "b"), (5, "a"))
    assert _in_key_order(locked_ids={2, 3, 4, 5}, unsent=unsent) == {2, 4}


def test_rows_after_a_gap_are_held_back() -> None:
    # key "a": 1 ours, 2 not ours (gap), 3 ours -> only 1 may go now.
    unsent = _rows((1, "a"), (2, "a"), (3, "a"), (4, "b"))
    assert _in_key_order(locked_ids={1, 3, 4}, unsent=unsent) == {1, 4}


def test_keys_are_independent() -> None:
    unsent = _rows((1, "a"), (2, "b"), (3, "c"), (4, "a"), (5, "b"), (6, "c"))
    # "a" blocked at 1, "b" fully ours, "c" gap at 6 after 3
    assert _in_key_order(locked_ids={2, 3, 4, 5}, unsent=unsent) == {2, 3, 5}


def test_result_is_subset_of_locked() -> None:
    unsent = _rows((1, "a"), (2, "a"), (3, "b"))
    result = _in_key_order(locked_ids={1, 2, 3, 99}, unsent=unsent)
    assert result == {1, 2, 3}
    assert 99 not in result


def test_unsent_rows_of_other_relay_only_publish_nothing() -> None:
    unsent = _rows((1, "a"), (2, "b"))
    assert _in_key_order(locked_ids=set(), unsent=unsent) == set()
