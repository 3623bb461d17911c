"""What a receiver's answer means for the next attempt: 410 ends, Retry-After is read on 429/5xx."""

import httpx
import pytest

from plenary_notification.adapters import webhooks


async def answer(status: int, headers: dict[str, str] | None = None) -> webhooks.Attempt:
    transport = httpx.MockTransport(lambda _: httpx.Response(status, headers=headers or {}))
    async with httpx.AsyncClient(transport=transport) as http:
        return await webhooks.send(
            http,
            url="https://hooks.example.org/x",
            signing_secrets=[webhooks.new_secret()],
            message_id="m1",
            body="{}",
            timeout=15,
        )


async def test_410_gone_is_permanent_and_ends_the_subscription():
    attempt = await answer(410)
    assert (attempt.permanent, attempt.gone, attempt.status_code) == (True, True, 410)
    assert "410 Gone" in attempt.error


@pytest.mark.parametrize(("status", "asked"), [(429, 30.0), (503, 30.0), (500, 30.0), (404, None)])
async def test_retry_after_is_read_on_429_and_5xx_only(status, asked):
    attempt = await answer(status, {"retry-after": "30"})
    assert (attempt.retry_after, attempt.permanent, attempt.gone) == (asked, False, False)


async def test_a_garbled_retry_after_is_ignored():
    assert (await answer(503, {"retry-after": "later, maybe"})).retry_after is None
