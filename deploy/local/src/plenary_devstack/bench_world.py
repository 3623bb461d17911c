"""What the benchmarks set up alike: a meeting to run in."""

from __future__ import annotations

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
