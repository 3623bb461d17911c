"""Reading a delegation's CSV of nominees: columns and per-line validation, free of I/O."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pydantic import ValidationError

from plenary_registration.domain.commands import ApplicationCreate
from plenary_shared.errors import Invalid

REQUIRED = (
    "given_name",
    "family_name",
    "email",
    "category",
    "nationality",
    "passport_number",
    "date_of_birth",
)
OPTIONAL = tuple(
    f for f in ApplicationCreate.model_fields if f not in REQUIRED and f != "delegation_id"
)


@dataclass(frozen=True)
class Line:
    """One data line: its number in the file (the header is line 1) and its fields."""

    number: int
    fields: dict[str, str]


def read(text: str) -> list[Line]:
    """The data lines of a CSV with a known header; refuses the whole file if the header is wrong."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED and c not in OPTIONAL]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown columns: {', '.join(unknown)}")
        raise Invalid(
            f"the CSV header is not usable ({'; '.join(parts)}); the first line must name the "
            f"columns, required: {', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)}"
        )
    reader.fieldnames = header
    lines = []
    for record in reader:
        if not any((v or "").strip() for v in record.values()):
            continue  # blank line
        fields = {k: (v or "").strip() for k, v in record.items() if k is not None}
        lines.append(Line(reader.line_num, {k: v for k, v in fields.items() if v}))
    if not lines:
        raise Invalid("the CSV has a header but no nominees")
    return lines


def validate(line: Line) -> ApplicationCreate | str:
    """The nomination a line describes, or why it cannot be one (never echoing the values)."""
    try:
        return ApplicationCreate.model_validate(line.fields)
    except ValidationError as exc:
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
