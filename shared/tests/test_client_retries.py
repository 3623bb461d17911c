"""plenary_client's retries and problems, over an in-process transport (no service needed)."""

import httpx
import pytest

from plenary_client import Conflict, Invalid, Plenary, RateLimited, Unavailable

URLS = dict.fromkeys(("scheduling", "delegation", "registration", "notification"), "http://svc")
MEETING = {
    "id": "6f1d3c1e-2a4b-4c5d-8e9f-0a1b2c3d4e5f",
    "title": "T",
    "city": "C",
    "venue": "V",
    "timezone": "Europe/Moscow",
    "starts_on": "2025-11-17",
    "ends_on": "2025-11-18",
    "requires_vetting": False,
    "created_at": "2025-01-01T00:00:00Z",
}
BODY = {k: MEETING[k] for k in ("title", "city", "venue", "timezone", "starts_on", "ends_on")}
PROBLEM = "application/problem+json"


def _client(answers: list, seen: list[httpx.Request], attempts: int = 4) -> Plenary:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        next_answer = answers.pop(0)
        if isinstance(next_answer, Exception):
            raise next_answer
        return next_answer

    return Plenary(URLS, "t", attempts=attempts, transport=httpx.MockTransport(answer))


def _unavailable() -> httpx.Response:
    problem = {"title": "Unavailable", "status": 503, "detail": "busy", "retry_after": 0}
    return httpx.Response(503, json=problem, headers={"Retry-After": "0", "Content-Type": PROBLEM})


def test_a_create_is_retried_with_one_key_after_a_lost_connection_and_a_503():
    seen: list[httpx.Request] = []
    answers = [httpx.ConnectError("refused"), _unavailable(), httpx.Response(201, json=MEETING)]
    made = _client(answers, seen).scheduling.create_meeting(BODY, correlation_id="trace-1")
    assert str(made.id) == MEETING["id"]
    assert len(seen) == 3
    assert len({r.headers["Idempotency-Key"] for r in seen}) == 1
    assert {r.headers["X-Correlation-ID"] for r in seen} == {"trace-1"}


def test_retries_are_bounded_and_end_in_the_typed_problem():
    seen: list[httpx.Request] = []
    with pytest.raises(Unavailable) as gave_up:
        _client([_unavailable() for _ in range(5)], seen, attempts=3).scheduling.create_meeting(
            BODY
        )
    assert len(seen) == 3 and gave_up.value.retry_after == 0


def test_a_post_without_a_key_is_sent_once():
    seen: list[httpx.Request] = []
    with pytest.raises(httpx.ConnectError):
        _client([httpx.ConnectError("refused")], seen).notification.send_digests_now()
    assert len(seen) == 1


def test_a_given_key_is_sent_and_problems_carry_their_members():
    seen: list[httpx.Request] = []
    conflict = {"title": "Conflict", "status": 409, "detail": "no", "current_state": "refused"}
    invalid = {
        "title": "Invalid",
        "status": 422,
        "detail": "bad",
        "errors": [{"field": "title", "message": "too long"}],
    }
    limited = {"title": "Slow down", "status": 429, "detail": "later"}
    client = _client(
        [
            httpx.Response(409, json=conflict),
            httpx.Response(422, json=invalid),
            httpx.Response(429, json=limited, headers={"Retry-After": "7"}),
        ],
        seen,
    )
    with pytest.raises(Conflict) as refused:
        client.scheduling.create_meeting(BODY, idempotency_key="key-1")
    assert seen[0].headers["Idempotency-Key"] == "key-1"
    assert refused.value.current_state == "refused" and refused.value.extras == {
        "current_state": "refused"
    }
    with pytest.raises(Invalid) as invalid_error:
        client.scheduling.create_meeting(BODY)
    assert invalid_error.value.errors == [{"field": "title", "message": "too long"}]
    with pytest.raises(RateLimited) as limited_error:
        client.scheduling.list_meetings()
    assert limited_error.value.retry_after == 7


def test_the_iterator_asks_for_pages_until_the_total():
    seen: list[httpx.Request] = []
    page = {"total": 3, "limit": 2, "offset": 0}
    answers = [
        httpx.Response(200, json={**page, "items": [MEETING, MEETING]}),
        httpx.Response(200, json={**page, "offset": 2, "items": [MEETING]}),
    ]
    walked = list(_client(answers, seen).scheduling.iter_list_meetings(q="T", page_size=2))
    assert len(walked) == 3
    assert [r.url.params["offset"] for r in seen] == ["0", "2"]
    assert {r.url.params["q"] for r in seen} == {"T"}
