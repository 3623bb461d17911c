"""Unit tests of log redaction."""

from __future__ import annotations

import copy

import pytest

from plenary_shared.logging import SENSITIVE_KEYS, redact

R = "[redacted]"


@pytest.mark.parametrize("key", sorted(SENSITIVE_KEYS))
def test_top_level_sensitive_keys_redacted(key: str) -> None:
    out = redact(None, "info", {"event": "x", key: "secret-value"})
    assert out == {"event": "x", key: R}


def test_expected_sensitive_keys() -> None:
    assert {"passport_number", "date_of_birth", "password", "secret", "token"} <= SENSITIVE_KEYS


def test_nested_dicts_redacted() -> None:
    out = redact(
        None,
        "info",
        {"event": "x", "body": {"applicant": {"passport_number": "N1234567", "given_name": "A"}}},
    )
    assert out == {"event": "x", "body": {"applicant": {"passport_number": R, "given_name": "A"}}}


def test_dicts_inside_lists_redacted() -> None:
    out = redact(
        None,
        "info",
        {
            "items": [
                {"date_of_birth": "1980-01-01", "id": 1},
                [{"token": "abc"}, "plain"],
                "N1234567",
            ]
        },
    )
    assert out == {"items": [{"date_of_birth": R, "id": 1}, [{"token": R}, "plain"], "N1234567"]}


def test_dicts_inside_tuples_redacted() -> None:
    out = redact(None, "info", {"pair": ({"password": "p"}, 2)})
    assert list(out["pair"]) == [{"password": R}, 2]


def test_sensitive_key_holding_container_is_wholly_redacted() -> None:
    out = redact(None, "info", {"secret": {"a": 1, "b": [1, 2]}})
    assert out == {"secret": R}


def test_other_keys_and_values_left_alone() -> None:
    event = {
        "event": "application submitted",
        "level": "info",
        "count": 3,
        "ratio": 0.5,
        "flag": None,
        "ids": [1, 2, 3],
        "nested": {"email": "a@example.org", "category": "delegate"},
    }
    assert redact(None, "info", copy.deepcopy(event)) == event


def test_input_is_not_mutated() -> None:
    event = {"passport_number": "N1234567", "nested": {"token": "t"}}
    snapshot = copy.deepcopy(event)
    redact(None, "info", event)
    assert event == snapshot


def test_value_that_looks_sensitive_under_harmless_key_is_kept() -> None:
    # redaction is by key, not by value
    assert redact(None, "info", {"note": "passport_number"}) == {"note": "passport_number"}
