"""Asks scheduling about a meeting the projection has not learnt of yet."""

from __future__ import annotations

from uuid import UUID

import httpx

from plenary_shared.errors import DomainError


class UpstreamUnavailable(DomainError):
    """The owner of the data could not be asked."""

    status = 503
    title = "Service unavailable"


async def fetch_meeting(
    http: httpx.AsyncClient, *, base_url: str, meeting_id: UUID, token: str
) -> dict | None:
    """The meeting as scheduling has it, or None when scheduling says it does not exist."""
    try:
        response = await http.get(
            f"{base_url}/v1/meetings/{meeting_id}", headers={"Authorization": f"Bearer {token}"}
        )
    except httpx.HTTPError as exc:
        raise UpstreamUnavailable(
            "the scheduling service cannot be reached; try again shortly"
        ) from exc
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise UpstreamUnavailable(
            f"the scheduling service answered {response.status_code}; try again shortly"
        )
    return response.json()
