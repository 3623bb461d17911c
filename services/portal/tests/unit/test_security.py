"""Every page has a strict CSP with a fresh nonce; a form is accepted only with its CSRF token."""

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from plenary_portal.adapters.templates import TEMPLATES
from plenary_portal.config import Settings
from plenary_portal.entrypoints.web.security import (
    CSRF_COOKIE,
    CsrfTokens,
    SignedOut,
    content_security_policy,
    session_of,
)
from plenary_portal.main import create_app

from plenary_shared.auth import Principal, Role

HOST = "testserver"
SAME_SITE = {"Origin": f"http://{HOST}"}


@pytest.fixture
def portal() -> TestClient:
    # no `with`: the services' client is not started, so only pages that call no service are used
    return TestClient(create_app(Settings(csrf_key="k" * 32)), follow_redirects=False)


def _directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_the_policy_allows_only_this_site_and_the_pages_nonce():
    policy = _directives(content_security_policy("abc"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self' 'nonce-abc'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-inline" not in content_security_policy("abc")


def test_a_page_has_the_policy_with_a_fresh_nonce_that_its_scripts_carry(portal):
    first, second = portal.get("/login"), portal.get("/login")
    assert first.status_code == 200
    nonces = []
    for page in (first, second):
        (nonce,) = re.findall(r"'nonce-([^']+)'", page.headers["content-security-policy"])
        scripts = re.findall(r"<script[^>]*>", page.text)
        assert scripts and all(f'nonce="{nonce}"' in s for s in scripts)
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "same-origin"
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_the_templates_have_no_inline_script_or_style():
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text()
        assert " style=" not in html and "<style" not in html, template.name
        assert not re.search(r"\son[a-z]+=", html), template.name
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag and "nonce=" in tag, template.name


def test_every_form_that_posts_carries_the_csrf_token():
    forms = 0
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text()
        for tag in re.finditer(r"<form [^>]*>", html):
            if 'method="post"' in tag.group(0):
                forms += 1
                assert html[tag.end() :].startswith("{{ ui.csrf() }}"), template.name
    assert forms >= 15


def test_a_token_is_bound_to_the_browsers_seed_and_to_the_session():
    tokens = CsrfTokens(b"secret")
    token = tokens.issue("seed", "session-1")
    assert tokens.valid(token, "seed", "session-1")
    assert not tokens.valid(token, "other seed", "session-1")
    assert not tokens.valid(token, "seed", "session-2")
    assert not tokens.valid(token, "seed", "")
    assert not tokens.valid("", "seed", "session-1")
    assert not CsrfTokens(b"another secret").valid(token, "seed", "session-1")


def test_a_session_is_named_by_its_sid_else_by_its_tokens_digest():
    sid = uuid.uuid4()
    with_sid = Principal(subject="a", role=Role.ORGANISER, session_id=sid, token="t1")
    without = Principal(subject="a", role=Role.ORGANISER, token="t1")
    assert session_of(None) == ""
    assert session_of(with_sid) == str(sid)
    assert session_of(without) != session_of(without.model_copy(update={"token": "t2"}))


def test_signed_out_sessions_are_remembered_then_forgotten():
    ended = SignedOut(keep_seconds=0)
    sid = uuid.uuid4()
    ended.add(sid)
    assert sid in ended and uuid.uuid4() not in ended
    ended.add(uuid.uuid4())  # adding prunes what is older than keep_seconds
    assert sid not in ended


def _token_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_a_form_with_its_token_from_this_site_is_accepted(portal):
    page = portal.get("/login")
    assert CSRF_COOKIE in page.cookies
    answer = portal.post("/logout", data={"csrf_token": _token_of(page)}, headers=SAME_SITE)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


def test_a_form_without_a_valid_token_is_refused_with_a_page_saying_to_reload(portal):
    page = portal.get("/login")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": _token_of(page) + "x"}):
        answer = portal.post(
            "/forgot-password", data={"email": "a@b.org", **data}, headers=SAME_SITE
        )
        assert answer.status_code == 403
        assert "This form has expired" in answer.text and "Reload the page" in answer.text


def test_a_token_from_another_browser_is_refused(portal):
    token = _token_of(portal.get("/login"))
    portal.cookies.clear()
    portal.get("/login")  # this browser gets its own seed
    answer = portal.post("/logout", data={"csrf_token": token}, headers=SAME_SITE)
    assert answer.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "null"},
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
    ],
)
def test_a_post_from_another_site_or_from_nowhere_is_refused(portal, headers):
    token = _token_of(portal.get("/login"))
    answer = portal.post("/logout", data={"csrf_token": token}, headers=headers)
    assert answer.status_code == 403
    assert "from this site only" in answer.text


def test_a_post_with_only_a_referer_from_this_site_is_accepted(portal):
    token = _token_of(portal.get("/login"))
    answer = portal.post(
        "/logout", data={"csrf_token": token}, headers={"Referer": f"http://{HOST}/login"}
    )
    assert answer.status_code == 303


def test_a_form_whose_session_ended_since_leads_to_sign_in(portal):
    token = _token_of(portal.get("/login"))
    portal.cookies.set("plenary_session", "a token that is no longer valid")
    answer = portal.post("/logout", data={"csrf_token": token + "x"}, headers=SAME_SITE)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
