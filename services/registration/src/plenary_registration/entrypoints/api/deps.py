"""What the registration routes take besides the shared dependencies: the runtime's typed state,
the document cipher, the settings, and lookups of ids the projections do not know yet."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from plenary_registration.adapters.crypto import DocumentCipher
from plenary_registration.config import Settings
from plenary_registration.entrypoints.state import Runtime, RuntimeState
from plenary_shared.auth import Principal
from plenary_shared.owners import fetch_if_exists


def state_of(request: Request) -> RuntimeState:
    """The registration runtime's state."""
    return request.app.state.runtime.state


async def get_cipher(request: Request) -> DocumentCipher:
    """The cipher of personal document data."""
    return state_of(request).cipher


CipherDep = Annotated[DocumentCipher, Depends(get_cipher)]


async def settings_of(request: Request) -> Settings:
    """The registration settings."""
    return request.app.state.runtime.settings


SettingsDep = Annotated[Settings, Depends(settings_of)]


def owners(rt: Runtime, principal: Principal):
    """Lookups of ids the projections do not know yet, asked with the caller's token."""

    async def ask_delegation(delegation_id: UUID) -> dict | None:
        url = f"{rt.settings.delegation_url}/v1/delegations/{delegation_id}"
        return await fetch_if_exists(rt.http, url=url, token=principal.token, owner="delegation")

    async def ask_scheduling(meeting_id: UUID) -> dict | None:
        url = f"{rt.settings.scheduling_url}/v1/meetings/{meeting_id}"
        return await fetch_if_exists(rt.http, url=url, token=principal.token, owner="scheduling")

    return ask_delegation, ask_scheduling
