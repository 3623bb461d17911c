"""The shared CSV writer never lets a spreadsheet run a cell as a formula."""

import csv
import io
import uuid
from datetime import date

import pytest

from plenary_shared.csv_export import cell, csv_response, to_csv

FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+SUM(A1:A2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+2",
    "\r=1+2",
    "\n=1+2",
    "\uff1d1+2",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_prefix_gets_a_leading_quote(value):
    assert cell(value) == "'" + value
    (row,) = list(csv.reader(io.StringIO(to_csv(["name"], [[value]]))))[1:]
    assert row == ["'" + value]


def test_plain_values_are_written_as_they_are():
    ident = uuid.uuid4()
    text = to_csv(
        ["id", "name", "quota", "debt", "day", "note", "empty"],
        [[ident, "Aigerim O'Brien", 10, -3, date(2025, 11, 17), 'say "hi", then go', None]],
    )
    header, row = csv.reader(io.StringIO(text))
    assert header == ["id", "name", "quota", "debt", "day", "note", "empty"]
    assert row == [str(ident), "Aigerim O'Brien", "10", "-3", "2025-11-17", 'say "hi", then go', ""]
    assert text.endswith("\r\n")


def test_a_formula_inside_a_value_is_harmless_and_kept():
    assert cell("Smith=Jones") == "Smith=Jones"
    assert cell("'=1+2") == "'=1+2"


def test_the_download_is_named_and_typed():
    response = csv_response(["a"], [["=1"]], filename="x-1.csv")
    assert response.media_type == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="x-1.csv"'
    assert response.body.decode() == "a\r\n'=1\r\n"
