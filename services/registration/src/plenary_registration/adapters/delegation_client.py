"""Asks the delegation service about a delegation the projection has not learnt of yet."""

from __future__ import annotations

from uuid import UUID

import httpx

from plenary_shared.errors import DomainError


class UpstreamUnavailable(DomainError):
    """The owner of the data could not be asked."""

    status = 503
    title = "Service unavailable"


async def fetch_delegation(
    http: httpx.AsyncClient, *, base_url: str, delegation_id: UUID, token: str
) -> dict | None:
    """The delegation as the delegation service has it, or None when it does not exist."""
    try:
        response = await http.get(
            f"{base_url}/v1/delegations/{delegation_id}",
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as exc:
        raise UpstreamUnavailable(
            "the delegation service cannot be reached; try again shortly"
        ) from exc
    if response.status_code in (403, 404):
        return None
    if response.status_code != 200:
        raise UpstreamUnavailable(
            f"the delegation service answered {response.status_code}; try again shortly"
        )
    return response.json()
