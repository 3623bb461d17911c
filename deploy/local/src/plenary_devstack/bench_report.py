"""The benchmark's table: what | Plenary | reference, same run | ratio | target | met?; and its JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

HEAD = ("what", "Plenary", "reference, same run", "ratio", "target", "met?")


@dataclass
class Row:
    """One line of the table; `ratio` is Plenary ÷ reference."""

    what: str
    plenary: float
    unit: str
    reference: float | None = None
    reference_what: str = ""
    target: str = "—"
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        """Plenary's figure divided by the reference's."""
        if self.reference in (None, 0):
            return None
        return self.plenary / self.reference

    def cells(self) -> tuple[str, ...]:
        """The row as printed."""
        reference = "—"
        if self.reference is not None:
            reference = f"{number(self.reference)} {self.unit}".strip()
            if self.reference_what:
                reference = f"{self.reference_what}: {reference}"
        ratio = "—" if self.ratio is None else f"{number(self.ratio)}x"
        met = "—" if self.met is None else ("yes" if self.met else "no")
        return (
            self.what,
            f"{number(self.plenary)} {self.unit}".strip(),
            reference,
            ratio,
            self.target,
            met,
        )


def number(value: float) -> str:
    """A figure with as many digits as it needs to be read at a glance."""
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(rows: list[Row]) -> str:
    """The rows under their header, columns aligned."""
    lines = [HEAD, *(r.cells() for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEAD))]
    text = [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    text.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in text)


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (1..99) of the values."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def write(root: Path, document: dict, *, at: datetime) -> Path:
    """Write the run's JSON under root as bench-<UTC time>.json and as latest.json."""
    root.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, default=_plain)
    path = root / f"bench-{at:%Y%m%dT%H%M%SZ}.json"
    path.write_text(text)
    (root / "latest.json").write_text(text)
    return path


def row_document(row: Row) -> dict:
    """A row as data, its ratio included."""
    return {**asdict(row), "ratio": row.ratio}


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "__dict__"):
        return vars(value)
    return str(value)
