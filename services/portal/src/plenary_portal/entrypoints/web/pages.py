"""What every page needs: who is looking, in which language, and rendering with notices."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from plenary_portal.adapters.backend import Backend, ServiceError
from plenary_portal.adapters.templates import environment
from plenary_portal.entrypoints.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    UNSAFE,
    CsrfTokens,
    StaleForm,
    csrf_token,
    session_of,
)
from plenary_shared.auth import Principal, Role, TokenVerifier
from plenary_shared.i18n import LANGUAGES

SESSION_COOKIE = "plenary_session"
LANGUAGE_COOKIE = "plenary_lang"
NOTICE_COOKIE = "plenary_notice"
HOME = {
    Role.FOCAL_POINT: "/delegation",
    Role.PARTICIPANT: "/me",
    Role.ORGANISER: "/organiser",
    Role.ACCREDITATION_DESK: "/organiser",
}


class SignInNeeded(Exception):
    """No valid session: the person is sent to the sign-in page, then back."""

    def __init__(self, *, expired: bool = False) -> None:
        self.expired = expired


@dataclass
class Viewer:
    """The person looking at a page: their session (if signed in) and language."""

    principal: Principal | None
    language: str
    request: Request

    @property
    def token(self) -> str:
        """The bearer token the services get for this person."""
        if self.principal is None:
            raise SignInNeeded()
        return self.principal.token

    @property
    def backend(self) -> Backend:
        """The services' APIs."""
        return self.request.app.state.backend


@dataclass
class SignedIn(Viewer):
    """A viewer the page's dependency found signed in, with a role the page allows."""

    principal: Principal


def language_wanted(request: Request) -> str:
    """The chosen language (cookie), else the browser's first supported one, else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        base = part.split(";")[0].strip().split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return "en"


def viewer(request: Request) -> Viewer:
    """The viewer, signed in or not."""
    principal = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        verifier: TokenVerifier = request.app.state.verifier
        try:
            principal = verifier.verify(token)
        except HTTPException:
            principal = None
        if principal is not None and principal.session_id in request.app.state.signed_out:
            principal = None
    return Viewer(principal=principal, language=language_wanted(request), request=request)


def signed_in(*roles: Role):
    """A dependency: the viewer, who must be signed in with one of `roles`."""

    def check(request: Request, seen: Annotated[Viewer, Depends(viewer)]) -> SignedIn:
        if seen.principal is None:
            raise SignInNeeded(expired=SESSION_COOKIE in request.cookies)
        if seen.principal.role not in roles:
            raise HTTPException(403, "this page is not for your role")
        return SignedIn(principal=seen.principal, language=seen.language, request=seen.request)

    return check


async def csrf_protect(request: Request) -> None:
    """A dependency of every page route: a form post must carry the token it was rendered with."""
    if request.method not in UNSAFE:
        return
    token = (await request.form()).get(CSRF_FIELD)
    seed = request.cookies.get(CSRF_COOKIE, "")
    principal = viewer(request).principal
    tokens: CsrfTokens = request.app.state.csrf
    if isinstance(token, str) and tokens.valid(token, seed, session_of(principal)):
        return
    if principal is None and SESSION_COOKIE in request.cookies:
        raise SignInNeeded(expired=True)  # the page's session has ended since: sign in again
    raise StaleForm()


AnyViewer = Annotated[Viewer, Depends(viewer)]
FocalPoint = Annotated[SignedIn, Depends(signed_in(Role.FOCAL_POINT))]
Participant = Annotated[SignedIn, Depends(signed_in(Role.PARTICIPANT))]
Staff = Annotated[SignedIn, Depends(signed_in(Role.ORGANISER, Role.ACCREDITATION_DESK))]
Anyone = Annotated[
    SignedIn,
    Depends(signed_in(Role.FOCAL_POINT, Role.PARTICIPANT, Role.ORGANISER, Role.ACCREDITATION_DESK)),
]


def render(seen: Viewer, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the viewer's language, with the notice left by the previous step, if any."""
    request = seen.request
    notice = _read_notice(request)
    html = (
        environment(seen.language)
        .get_template(template)
        .render(
            request=request,
            viewer=seen,
            principal=seen.principal,
            language=seen.language,
            languages=LANGUAGES,
            notice=notice,
            new_key=lambda: str(uuid.uuid4()),
            path=request.url.path,
            http_status=status_code,
            query=request.url.query,
            csp_nonce=getattr(request.state, "csp_nonce", ""),
            csrf_token=csrf_token(request, seen.principal),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if notice is not None:
        response.delete_cookie(NOTICE_COOKIE, path="/")
    return response


def go(url: str, *, notice: str | None = None, **values: Any) -> RedirectResponse:
    """Redirect after a change (303), leaving a notice for the next page to show once."""
    response = RedirectResponse(url, status_code=303)
    if notice is not None:
        raw = json.dumps({"code": notice, **values}, separators=(",", ":")).encode()
        response.set_cookie(
            NOTICE_COOKIE, base64.urlsafe_b64encode(raw).decode(), httponly=True, samesite="lax"
        )
    return response


def _read_notice(request: Request) -> dict | None:
    raw = request.cookies.get(NOTICE_COOKIE)
    if not raw:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except ValueError:
        return None
    return value if isinstance(value, dict) and "code" in value else None


def sign_in_redirect(request: Request, *, expired: bool) -> Response:
    """To the sign-in page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(
        f"/login?next={quote(target)}" + ("&expired=1" if expired else ""), status_code=303
    )
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def problem_page(seen: Viewer, error: ServiceError) -> Response:
    """A page for a refusal that no form can show next to a field."""
    if error.status == 401:
        return sign_in_redirect(seen.request, expired=True)
    status = 503 if error.unavailable else error.status
    page = render(seen, "problem.html", status_code=status, error=error)
    if error.retry_after is not None:
        page.headers["Retry-After"] = str(error.retry_after)
    return page


def key_of(form) -> str | None:
    """The form's idempotency key (each form is rendered with a fresh one)."""
    return str(form.get("idempotency_key") or "") or None


def form_values(form, *, hide: tuple[str, ...] = ()) -> dict[str, str]:
    """The submitted fields to fill a form again, without those never to be sent back."""
    return {k: str(v) for k, v in form.items() if k not in hide and isinstance(v, str)}


def clean(form, names: tuple[str, ...]) -> dict[str, str]:
    """The non-empty, trimmed values of named fields (an empty optional field is left out)."""
    values = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            values[name] = value.strip()
    return values
