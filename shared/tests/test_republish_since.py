"""Where a republish may start: within the outbox retention, never in the future."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from plenary_shared.api import RepublishRequest, checked_since
from plenary_shared.errors import install_error_handlers
from plenary_shared.outbox import retention_horizon, since_problem

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_moment_within_the_retention_is_fine():
    assert since_problem(NOW - timedelta(hours=2), retention_hours=168, now=NOW) is None
    assert since_problem(NOW, retention_hours=168, now=NOW) is None
    assert since_problem(retention_horizon(168, now=NOW), retention_hours=168, now=NOW) is None


def test_the_future_is_refused():
    assert "future" in since_problem(NOW + timedelta(seconds=1), retention_hours=168, now=NOW)


def test_before_the_retention_is_refused():
    problem = since_problem(NOW - timedelta(hours=169), retention_hours=168, now=NOW)
    assert "2026-11-24T12:00:00+00:00" in problem and "retention" in problem


def test_a_moment_needs_its_offset():
    assert RepublishRequest(since="2026-12-01T10:00:00Z").since.tzinfo is not None
    with pytest.raises(ValidationError):
        RepublishRequest(since="2026-12-01T10:00:00")
    with pytest.raises(ValidationError):
        RepublishRequest()


@pytest.mark.parametrize("hours", [-1, 200])
def test_a_refusal_is_a_422_naming_the_field(hours):
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/republish")
    def republish(body: RepublishRequest) -> dict:
        return {"since": checked_since(body.since, retention_hours=168).isoformat()}

    since = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
    response = TestClient(app).post("/republish", json={"since": since})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["since"]
    ok = TestClient(app).post("/republish", json={"since": datetime.now(UTC).isoformat()})
    assert ok.status_code == 200
