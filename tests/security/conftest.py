"""The schemathesis run's tally, printed in the terminal summary."""

from collections import Counter

import pytest

_TALLY: Counter[str] = Counter()


@pytest.fixture(scope="session")
def tally() -> Counter[str]:
    """Requests made and 5xx answers received by the schemathesis run."""
    return _TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line: how many requests schemathesis made and how many answered 5xx."""
    if _TALLY["requests"]:
        terminalreporter.write_line(
            f"schemathesis: {_TALLY['requests']} requests, {_TALLY['5xx']} answered 5xx"
        )
