"""Helpers of the browser tests: accounts, links from e-mails, and checks any page must pass."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import Page

from plenary_devstack.invitations import accept_invitation, codes_sent
from plenary_devstack.testing import wait_for

PASSWORD = "a long and memorable phrase"
LINK = re.compile(r"https?://\S+#token=[\w-]+")


def field(page: Page, label: str):
    """A form control by its label (a required field's label ends with an asterisk)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def link_in(caught) -> str:
    """The portal link in an e-mail."""
    found = LINK.search(caught.body("plain"))
    assert found, caught.body("plain")
    return found.group(0)


def staff_account(api, mailbox, role: str = "organiser") -> str:
    """An organiser staff account with PASSWORD; its e-mail address."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    issued = api.call(
        "registration", "POST", "/v1/invitations", json={"email": email, "role": role}
    )
    assert issued.status_code == 201, issued.text
    token = issued.json()["url"].split("#token=")[1]
    accepted = accept_invitation(
        api.platform.url("registration"), mailbox, token=token, email=email, password=PASSWORD
    )
    assert accepted.status_code == 201, accepted.text
    return email


async def give_code(page: Page, mailbox, email: str) -> None:
    """The second step of accepting an invitation: the code e-mailed to the invited address."""
    codes = wait_for(lambda: codes_sent(mailbox, email), what=f"the code sent to {email}")
    await field(page, "Code from the e-mail").fill(codes[-1])
    await page.get_by_role("button", name="Finish and sign in").click()


async def labelled(page: Page) -> list[str]:
    """Form controls on the page that a screen reader could not name (should be none)."""
    return await page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter((el) => el.type !== 'hidden' && !el.closest('[hidden]'))
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .filter((el) => !el.getAttribute('aria-labelledby'))
            .filter((el) => !(el.tagName === 'BUTTON' && el.textContent.trim()))
            .map((el) => el.outerHTML.slice(0, 120))"""
    )


async def fits_phone(page: Page) -> bool:
    """The page needs no sideways scrolling (wide tables scroll inside their own box)."""
    return await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def session_token(api, email: str, password: str = PASSWORD) -> str:
    """A bearer token for an account, as the portal gets one when the person signs in."""
    with httpx.Client(base_url=api.platform.url("registration"), timeout=20) as http:
        signed = http.post("/v1/auth/sessions", json={"email": email, "password": password})
    assert signed.status_code == 200, signed.text
    return signed.json()["access_token"]
