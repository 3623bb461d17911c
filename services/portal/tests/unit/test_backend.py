"""How the services' refusals become messages a person can act on."""

import httpx
from plenary_portal.adapters.backend import _problem


def _answer(status: int, body) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("POST", "http://svc/v1/x"))


def test_field_errors_are_kept_per_field_without_the_body_prefix():
    error = _problem(
        _answer(
            422,
            {
                "title": "Invalid request",
                "status": 422,
                "detail": "Please correct: date_of_birth: the date of birth must be in the past",
                "errors": [{"field": "date_of_birth", "message": "must be in the past"}],
            },
        )
    )
    assert error.status == 422 and not error.unavailable
    assert error.fields == {"date_of_birth": "must be in the past"}


def test_a_conflict_keeps_its_detail_and_extra_members():
    error = _problem(
        _answer(409, {"detail": "Hall A is booked", "conflicts": [{"session_id": "s1"}]})
    )
    assert error.detail == "Hall A is booked" and error.extra["conflicts"] == [{"session_id": "s1"}]


def test_an_answer_that_is_not_a_problem_document_still_says_something():
    response = httpx.Response(
        502, text="<html>bad gateway</html>", request=httpx.Request("GET", "http://svc/")
    )
    error = _problem(response)
    assert error.unavailable and error.detail == "Bad Gateway" and error.fields == {}


def test_a_service_whose_database_is_away_says_how_long_to_wait():
    response = httpx.Response(
        503,
        json={
            "status": 503,
            "detail": "The database is not reachable right now; nothing was saved.",
        },
        headers={"Retry-After": "5"},
        request=httpx.Request("POST", "http://svc/v1/x"),
    )
    error = _problem(response)
    assert error.unavailable and error.retry_after == 5
    assert _problem(_answer(500, {"detail": "boom"})).retry_after is None
