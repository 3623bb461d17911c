"""Brute force: repeated wrong passwords and reset requests lock, per account and per client.

Each test speaks for its own client address through X-Forwarded-For (registration and the
portal trust it from loopback, as they do from the portal), so the locks it earns touch no
other test.
"""

import hashlib
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from plenary_devstack.invitations import accept_invitation
from plenary_registration.adapters.repository import Repository
from plenary_registration.adapters.tables import messaging, sign_in_throttle
from plenary_registration.service_layer import throttle
from plenary_shared.db import UnitOfWork

ACCOUNTS = "registration.accounts"
THROTTLED = "registration.sign_in.throttled"
PASSWORD = "correct horse battery staple"
WRONG = "a wrong but plausible passphrase"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def _address() -> str:
    """A client address of the documentation range, its own /64 for each test."""
    return f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::7"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _account(api, mailbox, email: str) -> str:
    """A focal point's portal account with PASSWORD; its id."""
    meeting = api.create_meeting()
    delegation = api.register_delegation(meeting["id"])
    link = api.call(
        "registration",
        "POST",
        "/v1/invitations",
        json={"email": email, "role": "focal_point", "delegation_id": delegation["id"]},
    ).json()
    token = urlparse(link["url"]).fragment.removeprefix("token=")
    accepted = accept_invitation(
        api.platform.url("registration"), mailbox, token=token, email=email, password=PASSWORD
    )
    assert accepted.status_code == 201, accepted.text
    [account] = api.call("registration", "GET", "/v1/accounts", params={"email": email}).json()[
        "items"
    ]
    return account["id"]


def _post(api, path: str, body: dict, client: str) -> httpx.Response:
    with httpx.Client(base_url=api.platform.url("registration"), timeout=20) as http:
        return http.post(path, json=body, headers={"X-Forwarded-For": client})


def _sign_in(api, email: str, password: str, client: str) -> httpx.Response:
    return _post(api, "/v1/auth/sessions", {"email": email, "password": password}, client)


def _reset(api, email: str, client: str) -> httpx.Response:
    return _post(api, "/v1/auth/password-resets", {"email": email}, client)


def _assert_throttled(response: httpx.Response, *, at_most: int = 900) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= at_most
    body = response.json()
    assert body["retry_after"] == seconds
    assert re.fullmatch(r"Too many attempts\. Try again in \d+ (second|minute)s?\.", body["detail"])
    return seconds


async def test_thirty_wrong_passwords_lock_the_account_even_for_the_right_one(api, mailbox, kafka):
    email = f"brute.{secrets.token_hex(3)}@example.org"
    account_id = _account(api, mailbox, email)
    client = _address()

    # four wrong passwords cost nothing, and signing in forgets them
    for _ in range(4):
        assert _sign_in(api, email, WRONG, client).status_code == 401
    assert _sign_in(api, email, PASSWORD, client).status_code == 200
    for _ in range(4):
        assert _sign_in(api, email, WRONG, client).status_code == 401

    answers = [_sign_in(api, email, WRONG, client) for _ in range(30)]
    first = answers[0]
    assert _assert_throttled(first, at_most=30) > 0
    assert first.json()["detail"] == "Too many attempts. Try again in 30 seconds."
    for answer in answers[1:]:
        _assert_throttled(answer, at_most=30)

    # while locked, the right password is refused too, from any client, so it tells nothing
    _assert_throttled(_sign_in(api, email, PASSWORD, client))
    _assert_throttled(_sign_in(api, email.upper(), PASSWORD, _address()))

    # one lock, one audit event: the account and a hash of its address, never a password
    found = await kafka.wait_events(ACCOUNTS, event_type=THROTTLED, subject=_hash(email))
    [event] = {e["id"]: e for _, e in found}.values()
    data = event["data"]
    assert data["action"] == "sign_in" and data["scope"] == "account"
    assert data["account_id"] == account_id and data["key_hash"] == _hash(email)
    assert (data["strikes"], data["lock_seconds"]) == (5, 30)
    record = json.dumps(event)
    assert WRONG not in record and PASSWORD not in record and email not in record


async def test_one_client_guessing_many_addresses_is_locked_but_not_the_accounts(
    api, mailbox, kafka
):
    email = f"bystander.{secrets.token_hex(3)}@example.org"
    _account(api, mailbox, email)
    guesser = _address()

    strangers = [f"nobody.{secrets.token_hex(4)}@example.org" for _ in range(20)]
    answers = [_sign_in(api, stranger, WRONG, guesser) for stranger in strangers]
    assert [a.status_code for a in answers[:19]] == [401] * 19
    _assert_throttled(answers[19], at_most=30)
    # the client is locked whatever it tries next, a real account with its password included
    _assert_throttled(_sign_in(api, email, PASSWORD, guesser))
    # the account itself is not: its owner signs in from elsewhere
    assert _sign_in(api, email, PASSWORD, _address()).status_code == 200

    found = await kafka.wait_events(ACCOUNTS, event_type=THROTTLED)
    by_client = [e["data"] for _, e in found if e["data"]["scope"] == "client"]
    assert any(d["action"] == "sign_in" and d["account_id"] is None for d in by_client)


def test_reset_requests_lock_per_address_the_same_whether_or_not_it_has_an_account(api, mailbox):
    email = f"forgetful.{secrets.token_hex(3)}@example.org"
    _account(api, mailbox, email)
    stranger = f"stranger.{secrets.token_hex(3)}@example.org"

    def answers(address: str) -> list[int]:
        return [_reset(api, address, _address()).status_code for _ in range(6)]

    assert answers(email) == answers(stranger) == [202] * 5 + [429]
    throttled = _reset(api, email, _address())
    _assert_throttled(throttled, at_most=60)
    assert "account" not in throttled.text

    # and per client, across addresses
    client = _address()
    codes = [
        _reset(api, f"who.{secrets.token_hex(4)}@example.org", client).status_code
        for _ in range(21)
    ]
    assert codes == [202] * 20 + [429]


def test_the_portal_says_how_long_to_wait_in_the_language(api, mailbox):
    email = f"portal.brute.{secrets.token_hex(3)}@example.org"
    _account(api, mailbox, email)
    portal = api.platform.url("portal")
    browser = _address()  # the portal's own proxy handling takes it, and forwards it on

    with httpx.Client(
        base_url=portal, timeout=20, headers={"X-Forwarded-For": browser, "Origin": portal}
    ) as http:

        def sign_in(password: str, language: str = "en") -> httpx.Response:
            form = dict(HIDDEN.findall(http.get("/login").text))
            http.cookies.set("plenary_lang", language)
            return http.post("/login", data={**form, "email": email, "password": password})

        wrong = [sign_in(WRONG) for _ in range(4)]
        assert {w.status_code for w in wrong} == {422}
        assert "The e-mail address or the password is wrong." in wrong[0].text
        locked = sign_in(WRONG)
        assert locked.status_code == 429 and locked.headers["Retry-After"] == "30"
        assert "Too many attempts. Try again in 30 seconds." in locked.text
        right = sign_in(PASSWORD, "ru")
        assert right.status_code == 429, "the right password while locked is refused too"
        assert re.search(r"Слишком много попыток\. Повторите через \d+ секунд", right.text)

        forgot = [
            http.post(
                "/forgot-password",
                data={**dict(HIDDEN.findall(http.get("/forgot-password").text)), "email": email},
                follow_redirects=False,
            )
            for _ in range(6)
        ]
    assert [f.status_code for f in forgot[:5]] == [303] * 5
    assert forgot[5].status_code == 429
    assert "попыток" in forgot[5].text  # the language cookie still holds


async def test_the_sweep_forgets_only_counters_quiet_for_a_window(platform):
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    rows = {
        "quiet": (now - 3 * hour, None),
        "lock ended long ago": (now - 5 * hour, now - 2 * hour),
        "recent strike": (now - timedelta(minutes=1), None),
        "still locked": (now - 5 * hour, now + hour),
    }
    keys = {name: secrets.token_hex(32) for name in rows}
    engine = create_async_engine(platform.service_urls["registration"])
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sign_in_throttle.insert(),
                [
                    {
                        "action": "sign_in",
                        "scope": "client",
                        "key": keys[name],
                        "strikes": 3,
                        "last_strike_at": last,
                        "locked_until": locked,
                    }
                    for name, (last, locked) in rows.items()
                ],
            )
        async with UnitOfWork(
            engine=engine, tables=messaging, source="test", repositories=Repository
        ) as uow:
            await throttle.forget_quiet(uow, window=hour, now=now)
        async with engine.connect() as conn:
            left = set(
                (
                    await conn.execute(
                        select(sign_in_throttle.c.key).where(
                            sign_in_throttle.c.key.in_(keys.values())
                        )
                    )
                ).scalars()
            )
    finally:
        await engine.dispose()
    assert left == {keys["recent strike"], keys["still locked"]}
