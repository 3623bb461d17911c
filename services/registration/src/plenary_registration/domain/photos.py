"""A participant's passport-style photo: the formats and size accepted, free of I/O."""

from __future__ import annotations

from plenary_shared.errors import Invalid

PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
PHOTO_MAX_BYTES = 1_000_000  # under the 1 MiB request limit of every service


def photo_kind(data: bytes, content_type: str) -> str:
    """The media type of an acceptable photo (JPEG or PNG up to 1 MB, sent as what it is)."""
    kind = next((t for magic, t in PHOTO_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise Invalid("the photo must be a JPEG or PNG image")
    if content_type.split(";")[0].strip() not in ("", kind, "application/octet-stream"):
        raise Invalid(f"the file is {kind} but was sent as {content_type}; send the right type")
    if len(data) > PHOTO_MAX_BYTES:
        raise Invalid(f"the photo is {len(data)} bytes; it may be at most {PHOTO_MAX_BYTES} bytes")
    return kind
