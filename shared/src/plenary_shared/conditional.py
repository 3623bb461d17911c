"""Conditional GETs (RFC 9110 §13): a strong ETag on a body, and 304 when the client has it."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response

CACHE_CONTROL = "private, no-cache"
# an entity-tag (RFC 9110 §8.8.3): optional W/, then an opaque tag in double quotes
ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')

CONDITIONAL_GET = {
    "parameters": [
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "ETags the client holds; 304 when one of them is current.",
        },
        {
            "name": "If-Modified-Since",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "An HTTP date; 304 when nothing changed since (without If-None-Match).",
        },
    ],
    "responses": {"304": {"description": "Not Modified: the client's copy is current; no body."}},
}
"""openapi_extra of a route answered with `conditional`."""


def entity_tag(body: bytes) -> str:
    """A strong ETag of a body: a hash of its bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def none_match(header: str, etag: str) -> bool:
    """Whether an If-None-Match value fails, i.e. lists `etag` (weak comparison) or is `*`."""
    if header.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(f'"{tag}"' == opaque for _, tag in ENTITY_TAG.findall(header))


def modified_since(header: str, last_modified: datetime) -> bool:
    """Whether `last_modified` is newer than an If-Modified-Since date; an invalid date says yes."""
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return True
    if since.tzinfo is None:
        return True
    return last_modified.replace(microsecond=0) > since


def conditional(
    request: Request, response: Response, *, last_modified: datetime | None = None
) -> Response:
    """The response with ETag, Last-Modified (when known) and Cache-Control, or 304 if unchanged."""
    validators = {"ETag": entity_tag(bytes(response.body)), "Cache-Control": CACHE_CONTROL}
    if last_modified is not None:
        validators["Last-Modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    if_none_match = request.headers.get("if-none-match")
    if_modified_since = request.headers.get("if-modified-since")
    if if_none_match is not None:
        fresh = none_match(if_none_match, validators["ETag"])
    else:
        fresh = (
            last_modified is not None
            and if_modified_since is not None
            and not modified_since(if_modified_since, last_modified)
        )
    if fresh and request.method in ("GET", "HEAD"):
        return Response(status_code=304, headers=validators)
    response.headers.update(validators)
    return response
