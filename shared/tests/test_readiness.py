"""/readyz: a failing check makes it 503; a failing report only marks it degraded."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from plenary_shared.api import health_router


def readyz(*, database: bool, listening: bool):
    async def answer(value: bool) -> bool:
        return value

    app = FastAPI()
    app.include_router(
        health_router(
            {"database": lambda: answer(database)},
            reports={"relay_listening": lambda: answer(listening)},
        )
    )
    return TestClient(app).get("/readyz")


def test_all_well_is_ready():
    response = readyz(database=True, listening=True)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": True, "relay_listening": True},
    }


def test_a_relay_that_only_polls_is_degraded_but_still_ready():
    response = readyz(database=True, listening=False)
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["relay_listening"] is False


def test_a_failing_check_is_not_ready():
    response = readyz(database=False, listening=True)
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
