"""Suite-wide fixtures come from the devstack's pytest plugin; tests marked `last` run at the end."""

import pytest

pytest_plugins = ["plenary_devstack.testing"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the suite-wide checks (marked `last`) after every other test."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)
