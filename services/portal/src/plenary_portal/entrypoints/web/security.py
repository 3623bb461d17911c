"""What protects every page: a strict Content-Security-Policy, and forms only from this site.

Each response gets a fresh nonce for its script tags. A form is accepted only from this site
(its Origin, else its Referer, names this host; a post with neither is refused) and with the
CSRF token it was rendered with: an HMAC of a random value kept in an HttpOnly cookie and of
the session it was rendered for (signed double-submit), so a token from another browser or
another session is worthless.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from plenary_shared.auth import Principal

CSRF_COOKIE = "plenary_csrf"
CSRF_FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class StaleForm(Exception):
    """A form without a valid CSRF token: rendered elsewhere, before a sign-in, or too long ago."""


def content_security_policy(nonce: str) -> str:
    """Scripts and styles from this site only (scripts also by the page's nonce), no framing."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )


def same_site(request: Request) -> bool:
    """The request names this host as its Origin (else its Referer); one naming neither is not."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    if not origin or origin == "null":
        return False
    return origin.split("://", 1)[-1].split("/", 1)[0] == request.headers.get("host", "")


class CsrfTokens:
    """Issues and checks the tokens forms carry, keyed by the portal's secret."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def issue(self, seed: str, session: str) -> str:
        """The token of a browser's seed (cookie) for one session ('' when signed out)."""
        mac = hmac.new(self._key, f"{seed}|{session}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def valid(self, token: str, seed: str, session: str) -> bool:
        """Whether a submitted token belongs to this seed and session."""
        return bool(token and seed) and hmac.compare_digest(token, self.issue(seed, session))


def session_of(principal: Principal | None) -> str:
    """What a form's token is bound to: the session id (a token without one: its digest)."""
    if principal is None:
        return ""
    if principal.session_id is not None:
        return str(principal.session_id)
    return hashlib.sha256(principal.token.encode()).hexdigest()[:32]


def csrf_token(request: Request, principal: Principal | None) -> str:
    """The token for the forms of the page being rendered ('' outside the middleware)."""
    seed = getattr(request.state, "csrf_seed", None)
    if seed is None:
        return ""
    tokens: CsrfTokens = request.app.state.csrf
    return tokens.issue(seed, session_of(principal))


def install(app: FastAPI) -> None:
    """Security headers and the nonce on every response; cross-site or origin-less posts refused."""

    @app.middleware("http")
    async def protect(request: Request, call_next) -> Response:
        if request.method in UNSAFE and not same_site(request):
            response: Response = PlainTextResponse(
                "Forms are accepted from this site only: go back to the page, reload it and "
                "send the form again.",
                status_code=403,
            )
        else:
            request.state.csp_nonce = secrets.token_urlsafe(18)
            seed = request.cookies.get(CSRF_COOKIE)
            request.state.csrf_seed = seed or secrets.token_urlsafe(24)
            response = await call_next(request)
            response.headers["Content-Security-Policy"] = content_security_policy(
                request.state.csp_nonce
            )
            if seed is None:
                response.set_cookie(
                    CSRF_COOKIE,
                    request.state.csrf_seed,
                    httponly=True,
                    samesite="lax",
                    secure=app.state.settings.secure_cookies,
                    path="/",
                )
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = content_security_policy(
                secrets.token_urlsafe(18)
            )
        return response


class SignedOut:
    """Sessions signed out through this portal process, refused at once without asking anyone.

    Only a shortcut: every service refuses an ended session's token too (a cookie replayed on
    another portal replica meets that refusal on its page's first call).
    """

    def __init__(self, keep_seconds: float = 86_400.0) -> None:
        self._ended: dict[uuid.UUID, float] = {}
        self._keep = keep_seconds

    def add(self, session_id: uuid.UUID) -> None:
        """Remember a session ended here (and forget those older than any token lives)."""
        now = time.monotonic()
        self._ended = {s: t for s, t in self._ended.items() if now - t < self._keep}
        self._ended[session_id] = now

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._ended
