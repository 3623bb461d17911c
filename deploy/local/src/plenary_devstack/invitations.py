"""Accepting an invitation as its invitee does: choose a password, then give the e-mailed code."""

from __future__ import annotations

import re
import time

import httpx

from plenary_devstack.mailcatcher import MailCatcher

CODE = re.compile(r"\b(\d{6})\b")


def codes_sent(mail: MailCatcher, email: str) -> list[str]:
    """The codes e-mailed to an address, oldest first."""
    found = []
    for caught in mail.to(email):
        if caught.subject.startswith(("Your Plenary code", "Ваш код", "您的 Plenary")):
            found += CODE.findall(caught.subject)[:1]
    return found


def accept_invitation(
    registration_url: str,
    mail: MailCatcher,
    *,
    token: str,
    email: str,
    password: str,
    timeout: float = 120,
) -> httpx.Response:
    """The answer of the last step: the session (201), or the refusal of either step.

    The code comes through the broker and notification, which in a busy test run may be working
    through a backlog (a CSV import of 1,000 people, say), hence the generous wait.
    """
    with httpx.Client(base_url=registration_url, timeout=20) as http:
        before = len(codes_sent(mail, email))
        chosen = http.post(
            "/v1/auth/invitations/accept", json={"token": token, "password": password}
        )
        if chosen.status_code != 202:
            return chosen
        deadline = time.monotonic() + timeout
        while len(codes := codes_sent(mail, email)) <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        if not codes:
            raise TimeoutError(f"no code reached {email} within {timeout}s")
        return http.post("/v1/auth/invitations/confirm", json={"token": token, "code": codes[-1]})
