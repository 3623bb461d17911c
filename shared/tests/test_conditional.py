"""Conditional GETs: validators on every answer, 304 only when the client's copy is current."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import Request, Response

from plenary_shared.conditional import conditional, entity_tag

BODY = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
CHANGED = datetime(2026, 3, 4, 10, 20, 30, 456789, tzinfo=UTC)


def request(method: str = "GET", **headers: str) -> Request:
    """A request with these headers (underscores in names become dashes)."""
    raw = [(k.replace("_", "-").lower().encode(), v.encode("latin-1")) for k, v in headers.items()]
    return Request({"type": "http", "method": method, "headers": raw, "path": "/"})


def answer(req: Request, *, last_modified: datetime | None = None) -> Response:
    """The helper's answer to `req` for BODY."""
    response = Response(content=BODY, media_type="text/calendar; charset=utf-8")
    return conditional(req, response, last_modified=last_modified)


def test_a_plain_get_gets_the_body_with_validators():
    response = answer(request())
    assert response.status_code == 200
    assert response.body == BODY
    assert response.headers["etag"] == entity_tag(BODY)
    assert response.headers["etag"].startswith('"')
    assert response.headers["cache-control"] == "private, no-cache"
    assert "last-modified" not in response.headers


def test_the_etag_follows_the_body():
    assert entity_tag(BODY) == entity_tag(bytes(BODY))
    assert entity_tag(BODY) != entity_tag(BODY + b" ")


def test_last_modified_is_an_http_date_when_known():
    response = answer(request(), last_modified=CHANGED)
    assert response.headers["last-modified"] == "Wed, 04 Mar 2026 10:20:30 GMT"


@pytest.mark.parametrize(
    "header",
    [
        entity_tag(BODY),
        "W/" + entity_tag(BODY),
        '"other", ' + entity_tag(BODY),
        '"a,b" ,W/"other",' + entity_tag(BODY),
        "*",
    ],
)
def test_a_matching_if_none_match_gets_304_without_body(header):
    response = answer(request(if_none_match=header), last_modified=CHANGED)
    assert response.status_code == 304
    assert response.body == b""
    assert response.headers["etag"] == entity_tag(BODY)
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["last-modified"] == "Wed, 04 Mar 2026 10:20:30 GMT"


@pytest.mark.parametrize(
    "header", ['"other"', 'W/"other", "more"', entity_tag(BODY).strip('"'), "", "garbage"]
)
def test_a_stale_or_malformed_if_none_match_gets_the_body(header):
    response = answer(request(if_none_match=header))
    assert response.status_code == 200
    assert response.body == BODY


def test_if_none_match_wins_over_if_modified_since():
    later = "Thu, 05 Mar 2026 00:00:00 GMT"
    response = answer(
        request(if_none_match='"other"', if_modified_since=later), last_modified=CHANGED
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "since", ["Wed, 04 Mar 2026 10:20:30 GMT", "Thu, 05 Mar 2026 00:00:00 GMT"]
)
def test_if_modified_since_not_older_than_last_modified_gets_304(since):
    response = answer(request(if_modified_since=since), last_modified=CHANGED)
    assert response.status_code == 304
    assert response.body == b""


@pytest.mark.parametrize(
    "since", ["Wed, 04 Mar 2026 10:20:29 GMT", "not a date", "Wed, 04 Mar 2026 10:20:30"]
)
def test_an_older_or_invalid_if_modified_since_gets_the_body(since):
    response = answer(request(if_modified_since=since), last_modified=CHANGED)
    assert response.status_code == 200
    assert response.body == BODY


def test_if_modified_since_is_ignored_without_a_last_modified():
    later = (CHANGED + timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert answer(request(if_modified_since=later)).status_code == 200


def test_only_safe_methods_get_304():
    response = answer(request("POST", if_none_match="*"))
    assert response.status_code == 200
