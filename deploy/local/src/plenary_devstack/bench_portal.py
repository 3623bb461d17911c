"""The portal's figures: a focal point's page with 200 people, and a decision seen live in Chromium."""

from __future__ import annotations

import asyncio
import time

import httpx
from playwright.async_api import async_playwright

from plenary_devstack import bench_world
from plenary_devstack.browser import launch
from plenary_devstack.invitations import accept_invitation
from plenary_devstack.stack import Platform

PASSWORD = "a long and memorable phrase"  # noqa: S105 - the benchmark account's, nothing real


def _setup(platform: Platform, *, people: int) -> tuple[str, list[str]]:
    """A delegation with `people` nominated and its focal point's session; the applications."""
    assert platform.keys is not None
    auth = {"Authorization": f"Bearer {platform.keys.token('organiser', subject='bench')}"}
    with httpx.Client(headers=auth, timeout=30) as http:
        meeting = bench_world.meeting(http, platform, "Portal benchmark")
        delegation = http.post(
            f"{platform.url('delegation')}/v1/meetings/{meeting['id']}/delegations",
            json={"name": "Bench delegation", "kind": "member", "quota": people + 10},
        ).json()
        invited = http.post(
            f"{platform.url('registration')}/v1/invitations",
            json={
                "email": "fp.bench@example.org",
                "role": "focal_point",
                "delegation_id": delegation["id"],
            },
        ).json()
        assert platform.mail is not None
        session = accept_invitation(
            platform.url("registration"),
            platform.mail,
            token=invited["url"].split("#token=")[1],
            email="fp.bench@example.org",
            password=PASSWORD,
        ).json()["access_token"]
        ids = []
        for i in range(people):
            answer = http.post(
                f"{platform.url('registration')}/v1/meetings/{meeting['id']}/applications",
                json={
                    "delegation_id": delegation["id"],
                    "given_name": "Bench",
                    "family_name": f"P{i}",
                    "email": f"portal.bench{i}@example.org",
                    "category": "delegate",
                    "nationality": "RUS",
                    "passport_number": f"PB{i:07d}",
                    "date_of_birth": "1980-01-01",
                },
            )
            ids.append(answer.json()["id"])
        deadline = time.monotonic() + 120
        url = f"{platform.url('registration')}/v1/meetings/{meeting['id']}/applications"
        while http.get(url, params={"state": "nominated", "limit": 1}).json()["total"] < people:
            if time.monotonic() > deadline:
                raise RuntimeError("the nominations were not all checked in time")
            time.sleep(0.2)
    return session, ids


def page_latency(platform: Platform, session: str, *, count: int = 100) -> list[float]:
    """Seconds for the focal point's delegation page (four services asked, 50 people listed)."""
    cookies = {"plenary_session": session}
    timings = []
    with httpx.Client(base_url=platform.url("portal"), cookies=cookies, timeout=30) as http:
        http.get("/delegation").raise_for_status()
        for _ in range(count):
            started = time.perf_counter()
            http.get("/delegation").raise_for_status()
            timings.append(time.perf_counter() - started)
    return timings


async def _live(platform: Platform, session: str, ids: list[str]) -> list[float]:
    assert platform.keys is not None
    auth = {"Authorization": f"Bearer {platform.keys.token('organiser', subject='bench')}"}
    timings = []
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        context = await browser.new_context(base_url=platform.url("portal"))
        await context.add_cookies(
            [{"name": "plenary_session", "value": session, "url": platform.url("portal")}]
        )
        page = await context.new_page()
        await page.goto("/delegation?state=nominated")
        await page.wait_for_selector("body[data-live-connected=true]")
        async with httpx.AsyncClient(headers=auth, timeout=30) as http:
            for application_id in ids:
                row = f'tr[data-application="{application_id}"]'
                await page.wait_for_selector(row)
                answer = await http.post(
                    f"{platform.url('registration')}/v1/applications/{application_id}/decision",
                    json={"decision": "grant"},
                )
                answer.raise_for_status()
                decided = time.perf_counter()
                await page.wait_for_selector(row, state="detached", timeout=30_000)
                timings.append(time.perf_counter() - decided)
        await browser.close()
    return timings


def portal_figures(
    platform: Platform, *, people: int = 200, decisions: int = 20
) -> dict[str, list[float]]:
    """Page latency, and decision -> the focal point's open page showing it, without a reload."""
    session, ids = _setup(platform, people=people)
    return {
        "focal point's delegation page (200 people)": page_latency(platform, session),
        "decision -> focal point's open page updated": asyncio.run(
            _live(platform, session, ids[-decisions:])  # the newest: the first page lists them
        ),
    }
