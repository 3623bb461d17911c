"""What the benchmarks set up alike: a meeting to run in, a delegation in it, patience."""

from __future__ import annotations

import time

import httpx

from plenary_devstack.stack import Platform


def meeting(http: httpx.Client, platform: Platform, title: str) -> dict:
    """A two-day meeting in Moscow for one benchmark (`http` carries an organiser's token)."""
    return http.post(
        f"{platform.url('scheduling')}/v1/meetings",
        json={
            "title": title,
            "city": "Moscow",
            "venue": "National Centre RUSSIA",
            "timezone": "Europe/Moscow",
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-02",
        },
    ).json()


def until(call, *ok: int, seconds: float = 60) -> httpx.Response:
    """Retry a call until the services have learnt what it needs (events are asynchronous)."""
    deadline = time.monotonic() + seconds
    while True:
        response = call()
        if response.status_code in ok:
            return response
        if time.monotonic() > deadline:
            raise RuntimeError(f"{response.status_code} {response.text[:300]}")
        time.sleep(0.3)


def delegation(
    http: httpx.Client, platform: Platform, meeting: dict, *, name: str, quota: int
) -> dict:
    """A member delegation with a quota, once delegation has learnt of the meeting."""
    return until(
        lambda: http.post(
            f"{platform.url('delegation')}/v1/meetings/{meeting['id']}/delegations",
            json={"name": name, "kind": "member", "quota": quota},
        ),
        201,
    ).json()
