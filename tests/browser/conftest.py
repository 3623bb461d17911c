"""A real Chromium (Debian's, driven by Playwright) against the running platform and its portal."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from portal_world import PASSWORD

from plenary_devstack.browser import launch
from plenary_devstack.testing import run_dir


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole session."""
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        yield chromium
        await chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the pages' screenshots are saved (beside the test run's logs)."""
    folder = run_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def portal(api) -> str:
    """The portal's address."""
    return api.platform.url("portal")


class Browsing:
    """Opens browser windows as people of the platform."""

    def __init__(self, browser: Browser, portal: str, shots: Path) -> None:
        self.browser, self.portal, self.shots = browser, portal, shots
        self.contexts: list[BrowserContext] = []
        # what the Content-Security-Policy blocked: a blocked script fails silently otherwise
        self.csp_violations: list[str] = []

    async def window(self, *, phone: bool = False, language: str = "en-GB") -> Page:
        """A fresh window (own cookies), desktop-sized or phone-sized."""
        size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = await self.browser.new_context(
            base_url=self.portal,
            viewport=size,
            locale=language,
            accept_downloads=True,
            is_mobile=phone,
            has_touch=phone,
        )
        context.set_default_timeout(20_000)
        self.contexts.append(context)
        page = await context.new_page()
        page.on("console", self._watch_console)
        return page

    def _watch_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    async def sign_in(self, page: Page, email: str, password: str = PASSWORD) -> None:
        """Sign in through the form."""
        await page.goto("/login")
        await page.get_by_label("E-mail address").fill(email)
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(re.compile(r"/(delegation|me|organiser)"))

    async def shot(self, page: Page, name: str) -> None:
        """Save a full-page screenshot under the test output."""
        await page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest.fixture
async def browsing(browser, portal, screenshots) -> AsyncIterator[Browsing]:
    """Windows for this test, closed afterwards."""
    session = Browsing(browser, portal, screenshots)
    yield session
    await session.close()
    assert session.csp_violations == [], "the Content-Security-Policy blocked part of a page"
