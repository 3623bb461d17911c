"""A method a path does not take is refused with every method it does take."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from plenary_shared.errors import PROBLEM_JSON, install_error_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/v1/meetings")
    async def list_meetings() -> list:
        return []

    @app.post("/v1/meetings")
    async def create_meeting() -> dict:
        return {}

    @app.delete("/v1/meetings/{meeting_id}")
    async def delete_meeting(meeting_id: str) -> None:
        return None

    return app


def test_405_allows_every_method_of_the_path():
    answer = TestClient(_app()).put("/v1/meetings")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    assert answer.json()["detail"] == "PUT is not allowed here; this path takes GET, POST"


def test_405_of_a_path_with_parameters_names_its_own_methods_only():
    answer = TestClient(_app()).get("/v1/meetings/m-1")
    assert answer.status_code == 405 and answer.headers["allow"] == "DELETE"


def test_an_unknown_path_is_still_404():
    assert TestClient(_app()).put("/v1/nothing").status_code == 404
