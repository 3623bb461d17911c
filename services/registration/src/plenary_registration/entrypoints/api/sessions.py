"""HTTP route of signing out: the session of the caller's token ends on every service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status

from plenary_registration.entrypoints.api.policy import POLICY
from plenary_registration.service_layer import sessions
from plenary_shared.authz import Grant
from plenary_shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1/auth", tags=["accounts"])


@router.delete(
    "/sessions/current",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={422: {"description": "the token has no session (it was not issued by signing in)"}},
)
async def sign_out(
    request: Request, rt: RuntimeDep, grant: Annotated[Grant, POLICY.allows("auth.sign_out")]
) -> None:
    """Sign out: this token (its session) is refused from now on, here and by every service."""
    correlation = request.headers.get("x-correlation-id")
    async with rt.unit_of_work(correlation_id=correlation) as uow:
        await sessions.end(uow, principal=grant.principal)
