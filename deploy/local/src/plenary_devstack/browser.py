"""Debian's Chromium for the browser tests and the portal benchmark: no browser is downloaded."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.async_api import Browser, Playwright

# the flags Chromium needs as root on a machine without a display or an open internet
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Where Debian's chromium is (`make test` installs it); a clear error where it is not."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise FileNotFoundError("Chromium is missing: `make test` installs Debian's chromium")
    return found


async def launch(playwright: Playwright) -> Browser:
    """A headless Chromium."""
    return await playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
