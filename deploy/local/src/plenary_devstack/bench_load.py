"""The load generator: a fixed number of HTTP requests, a fixed number of them in flight at once."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx


@dataclass
class Load:
    """What the requests of one run got, and when."""

    started: float
    finished: float
    answers: list[httpx.Response]

    @property
    def per_second(self) -> float:
        """Requests answered per second, from the first sent to the last answered."""
        return len(self.answers) / (self.finished - self.started)

    def ids(self) -> list[str]:
        """The `id` each answer names."""
        return [a.json()["id"] for a in self.answers]


async def _run(requests: list[tuple[str, dict]], headers: dict, in_flight: int) -> Load:
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    answers: list[httpx.Response | None] = [None] * len(requests)
    queue = iter(enumerate(requests))
    async with httpx.AsyncClient(headers=headers, timeout=60, limits=limits) as http:

        async def worker() -> None:
            for i, (url, body) in queue:
                answers[i] = await http.post(url, json=body)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        finished = time.monotonic()
    done = [a for a in answers if a is not None]
    if refused := [a for a in done if not a.is_success]:
        raise RuntimeError(
            f"{len(refused)} of {len(done)} requests refused, first: "
            f"{refused[0].status_code} {refused[0].text[:300]}"
        )
    return Load(started, finished, done)


def post_all(requests: list[tuple[str, dict]], *, headers: dict, in_flight: int) -> Load:
    """POST every (url, body), `in_flight` at a time; every answer must be a success."""
    return asyncio.run(_run(requests, headers, in_flight))


def nomination(delegation_id: str, n: int, *, tag: str) -> dict:
    """The body of one nomination, unique by `n` within a run tagged `tag`."""
    return {
        "delegation_id": delegation_id,
        "given_name": "Bench",
        "family_name": f"{tag}{n}",
        "email": f"bench.{tag.lower()}{n}@example.org",
        "category": "delegate",
        "nationality": "RUS",
        "passport_number": f"{tag}{n:07d}",
        "date_of_birth": "1980-01-01",
    }
