"""The shared input types refuse hidden characters and implausible dates with a message to act on."""

from datetime import date, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError

from plenary_shared.api import PageDep
from plenary_shared.errors import install_error_handlers
from plenary_shared.inputs import (
    MAX_OFFSET,
    Day,
    Line,
    Moment,
    Text,
    latest_day,
    within_days,
)


class Person(BaseModel):
    name: Line = Field(min_length=1, max_length=20)
    nickname: Line | None = Field(None, min_length=1, max_length=10)
    note: Text = Field("", max_length=50)


class Meeting(BaseModel):
    starts_on: Day
    starts_at: Moment | None = None


def _refusal(**fields) -> tuple[tuple, str]:
    with pytest.raises(ValidationError) as caught:
        Person(**{"name": "Ali", **fields})
    (error,) = caught.value.errors()
    return error["loc"], error["msg"]


def test_text_is_trimmed_and_nfc_normalised():
    decomposed = "Zoe\u0301 "  # e + combining acute
    person = Person(name=decomposed, note="  first line\n\tsecond  ")
    assert person.name == "Zo\u00e9"
    assert person.note == "first line\n\tsecond"


def test_names_in_every_script_and_inner_joiners_are_kept():
    for name in ("Айгерим", "李小龙", "محمد", "O'Brien-Smith", "क्‍ष", "👩‍🔬 Ada"):
        assert Person(name=name).name == name


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("Ali\x00", "NUL character (U+0000)"),
        ("Ali\x07ce", "control character (U+0007)"),
        ("Ali\nce", "one line"),
        ("Ali\tce", "one line"),
        ("Ali\u2028ce", "one line"),
        ("Ali\u202egnp.exe", "text-direction control (U+202E RIGHT-TO-LEFT OVERRIDE)"),
        ("Ali\u2066x\u2069", "text-direction control (U+2066"),
        ("\u200fAli", "text-direction control (U+200F"),
        ("Ali\u061c", "text-direction control (U+061C"),
        ("\u200b\u200c\u200d", "no visible characters"),
        ("\u2060\ufeff", "no visible characters"),
        ("\u3164\u3164", "no visible characters"),
        ("\u00a0\u200b\u3000", "no visible characters"),
        ("Ali\ud800", "valid string"),
    ],
)
def test_hidden_characters_are_refused_with_what_to_remove(value, words):
    loc, message = _refusal(name=value)
    assert loc == ("name",)
    assert words in message
    assert value not in message


def test_multiline_text_takes_line_breaks_but_not_other_controls():
    assert Person(name="A", note="one\r\ntwo").note == "one\r\ntwo"
    assert "NUL" in _refusal(note="one\x00")[1]
    assert "text-direction" in _refusal(note="one\u202d")[1]
    assert "no visible" in _refusal(note="\u200b\n\u200b")[1]


def test_lengths_count_characters_after_trimming_and_normalising():
    assert Person(name="  abcdefghijklmnopqrst  ").name == "abcdefghijklmnopqrst"
    assert _refusal(name="abcdefghijklmnopqrstu")[1] == "String should have at most 20 characters"
    assert "at least 1" in _refusal(name="   ")[1]
    assert "at most 10" in _refusal(nickname="abcdefghijk")[1]
    assert Person(name="A", nickname=None).nickname is None


def test_empty_text_stays_allowed_where_the_field_allows_it():
    assert Person(name="A", note="").note == ""
    assert Person(name="A", note="   ").note == ""


def test_days_are_plausible():
    for day in (date(2000, 1, 1), date(2025, 11, 17), latest_day()):
        assert Meeting(starts_on=day).starts_on == day
    for day in ("0001-01-01", "1999-12-31", "9999-12-31", latest_day() + timedelta(days=1)):
        with pytest.raises(ValidationError) as caught:
            Meeting(starts_on=day)
        (error,) = caught.value.errors()
        assert error["loc"] == ("starts_on",)
        assert f"between 2000-01-01 and {latest_day().isoformat()}" in error["msg"]


def test_times_are_plausible_whatever_their_zone():
    ok = Meeting(starts_on="2025-01-01", starts_at="2025-01-01T10:00:00+05:00")
    assert ok.starts_at == datetime.fromisoformat("2025-01-01T10:00:00+05:00")
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        with pytest.raises(ValidationError) as caught:
            Meeting(starts_on="2025-01-01", starts_at=moment)
        assert caught.value.errors()[0]["loc"] == ("starts_at",)


def test_a_span_is_refused_past_its_days():
    within_days(date(2025, 1, 1), date(2025, 3, 1), max_days=60, what="a meeting")
    with pytest.raises(ValueError, match="a meeting lasts at most 60 days, this one 61"):
        within_days(date(2025, 1, 1), date(2025, 3, 2), max_days=60, what="a meeting")


def test_latest_day_survives_a_leap_day():
    assert latest_day(date(2028, 2, 29)) == date(2038, 2, 28)


def _page_app() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/items")
    def items(page: PageDep, q: Line | None = None) -> dict:
        return {"offset": page.offset, "q": q}

    return TestClient(app)


def test_pagination_and_query_text_are_bounded_with_problem_documents():
    client = _page_app()
    assert client.get("/items", params={"offset": MAX_OFFSET}).json()["offset"] == MAX_OFFSET
    for params, field in (
        ({"offset": 2**63}, "query.offset"),
        ({"offset": MAX_OFFSET + 1}, "query.offset"),
        ({"limit": 2**64}, "query.limit"),
        ({"q": "a\x00"}, "query.q"),
    ):
        response = client.get("/items", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [field]
        assert "Value error" not in response.text
