"""Asking the owning service about an id a projection has not learnt of yet (httpx)."""

from __future__ import annotations

import httpx

from plenary_shared.errors import DomainError


class OwnerUnavailable(DomainError):
    """The service that owns the data could not be asked."""

    status = 503
    title = "Service unavailable"


async def fetch_if_exists(
    http: httpx.AsyncClient, *, url: str, token: str, owner: str
) -> dict | None:
    """The resource at `url` on its owner with the caller's token, or None when not visible."""
    try:
        response = await http.get(url, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise OwnerUnavailable(f"the {owner} service cannot be reached; try again shortly") from exc
    if response.status_code in (403, 404):
        return None
    if response.status_code != 200:
        raise OwnerUnavailable(
            f"the {owner} service answered {response.status_code}; try again shortly"
        )
    return response.json()
