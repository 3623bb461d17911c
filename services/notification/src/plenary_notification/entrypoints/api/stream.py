"""The live stream (server-sent events) of what the caller may see, resumable by Last-Event-ID."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterable, AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from plenary_notification.adapters import queries
from plenary_notification.config import Settings
from plenary_notification.domain.model import Channel, Scope, matches
from plenary_notification.entrypoints.api.policy import POLICY
from plenary_notification.entrypoints.state import State
from plenary_notification.service_layer import subscriptions
from plenary_shared.authz import Grant
from plenary_shared.errors import Invalid, NotFound
from plenary_shared.inputs import MAX_BIGINT
from plenary_shared.runtime import RuntimeDep, ServiceRuntime

router = APIRouter(prefix="/v1", tags=["stream"])

MayRead = Annotated[Grant, POLICY.allows("stream.read")]


async def start_after(
    rt: RuntimeDep,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    after: int | None = Query(None, ge=0, le=MAX_BIGINT, description="resume after this position"),
) -> int:
    """Where the stream starts: after Last-Event-ID, or after everything so far.

    A dependency, so it is settled before the answer begins: whatever happens once the client
    sees the response start is in its stream.
    """
    if last_event_id is not None:
        if not last_event_id.isdigit() or int(last_event_id) > MAX_BIGINT:
            raise Invalid("Last-Event-ID must be the id of an event this stream sent")
        return int(last_event_id)
    if after is not None:
        return after
    async with rt.engine.connect() as conn:
        # after everything so far
        return await queries.last_stream_position(conn)


async def chosen_subscription(
    rt: RuntimeDep,
    grant: MayRead,
    subscription_id: UUID | None = Query(
        None, description="a stream subscription of the caller's: its event types and meeting"
    ),
):
    """The caller's stream subscription named, settled (or 404) before the answer begins."""
    if subscription_id is None:
        return None
    async with rt.engine.connect() as conn:
        row = await queries.get_subscription(conn, subscription_id)
    chosen = subscriptions.check_owned(row, subscription_id, grant)
    if chosen.channel != Channel.STREAM:
        raise NotFound(f"stream subscription {subscription_id} does not exist")
    return chosen


async def scope_of(grant: MayRead) -> Scope | None:
    """What the caller may see (None: everything), settled before the answer begins."""
    return None if grant.everything else subscriptions.scope_of(grant)


@router.get("/stream", response_class=EventSourceResponse)
async def live_stream(
    rt: RuntimeDep,
    scope: Annotated[Scope | None, Depends(scope_of)],
    after: Annotated[int, Depends(start_after)],
    chosen: Annotated[Any, Depends(chosen_subscription)],
    types: list[str] = Query(
        default=[], max_length=50, description="patterns, e.g. registration.*"
    ),
    meeting_id: UUID | None = None,
) -> AsyncIterable[ServerSentEvent]:
    """Events as they happen: organisers see all, a focal point its delegation, a participant itself.

    Each event's `id` is its position: reconnect with `Last-Event-ID` (browsers do) to get
    exactly what was missed. Without one, the stream starts with what happens next.
    """
    settings: Settings = rt.settings
    if chosen is not None:
        types, meeting_id = [*types, *chosen.event_types], meeting_id or chosen.meeting_id
    async for seq, event_type, envelope in follow(
        rt,
        scope=scope,
        after=after,
        patterns=types,
        meeting_id=meeting_id,
        poll_seconds=settings.stream_poll_seconds,
    ):
        yield ServerSentEvent(
            id=str(seq), event=event_type, raw_data=json.dumps(envelope, separators=(",", ":"))
        )


async def follow(
    rt: ServiceRuntime[State, Settings],
    *,
    scope: Scope | None,
    after: int,
    patterns: list[str],
    meeting_id: UUID | None,
    poll_seconds: float,
) -> AsyncIterator[tuple[int, str, dict]]:
    """Events in the scope after a position, then new ones as they come; forever."""
    with rt.state.stream_listeners.listening() as woken:
        while True:
            woken.clear()
            async with rt.engine.connect() as conn:
                rows = await queries.stream_after(
                    conn, after=after, scope=scope, meeting_id=meeting_id, limit=500
                )
            for row in rows:
                after = row.seq
                if not patterns or matches(patterns, row.event_type):
                    yield row.seq, row.event_type, row.envelope
            if len(rows) == 500:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=poll_seconds)
