"""Signing in and out, accepting an invitation, and resetting a forgotten password."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from plenary_portal.adapters.backend import ServiceError
from plenary_portal.entrypoints.web.pages import (
    HOME,
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    AnyViewer,
    Viewer,
    go,
    problem_page,
    render,
)
from plenary_shared.auth import Principal
from plenary_shared.i18n import LANGUAGES

router = APIRouter(tags=["sign-in"])
log = structlog.get_logger(__name__)


def _local(target: str | None) -> str | None:
    """A path on this site to return to; anything else (another site) is ignored."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _signed_in(seen: Viewer, session: dict, target: str | None) -> Response:
    """Keep the token in an HttpOnly cookie and go on to the person's page."""
    principal = seen.request.app.state.verifier.verify(session["access_token"])
    response = RedirectResponse(_local(target) or HOME[principal.role], status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session["access_token"],
        max_age=int(session["expires_in"]),
        httponly=True,
        samesite="lax",
        secure=seen.request.app.state.settings.secure_cookies,
        path="/",
    )
    return response


@router.get("/")
async def home(seen: AnyViewer) -> Response:
    """The signed-in person's page, or the sign-in page."""
    if seen.principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME[seen.principal.role], status_code=303)


@router.get("/login")
async def login_page(seen: AnyViewer, next: str | None = None, expired: bool = False) -> Response:
    """The sign-in form."""
    return render(seen, "login.html", next=_local(next) or "", expired=expired, errors={}, email="")


@router.post("/login")
async def login(request: Request, seen: AnyViewer) -> Response:
    """Sign in with e-mail and password."""
    form = await request.form()
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    target = _local(str(form.get("next", "")))
    try:
        session = await seen.backend.call(
            "registration",
            "POST",
            "/v1/auth/sessions",
            token=None,
            json={"email": email, "password": password},
            headers=_on_behalf_of(request),
        )
    except ServiceError as error:
        if error.unavailable:
            return problem_page(seen, error)
        if seconds := _wait(error):
            page = render(
                seen,
                "login.html",
                429,
                next=target or "",
                expired=False,
                email=email,
                errors=_too_many(seconds),
            )
            return _retry_after(page, seconds)
        errors = {"form": "@wrong_password"} if error.status == 401 else _fields(error)
        return render(
            seen, "login.html", 422, next=target or "", expired=False, errors=errors, email=email
        )
    return _signed_in(seen, session, target)


def _on_behalf_of(request: Request) -> dict[str, str]:
    """The browser's address for registration, which throttles sign-ins per client address.

    Registration believes X-Forwarded-For only from its trusted proxies (loopback by default;
    REGISTRATION_TRUSTED_PROXIES), so the portal's address must be one of them. Behind a proxy of
    its own, the portal sees the browser's address as uvicorn takes it from that proxy's
    X-Forwarded-For (FORWARDED_ALLOW_IPS).
    """
    return {"X-Forwarded-For": request.client.host} if request.client else {}


def _wait(error: ServiceError) -> int | None:
    """For a 429: how many seconds registration says to wait."""
    if error.status != 429:
        return None
    try:
        return max(1, int(error.extra.get("retry_after", 60)))
    except (TypeError, ValueError):
        return 60


def _too_many(seconds: int) -> dict[str, str]:
    """The form error that says, in words, how long to wait."""
    return {"form": f"@too_many:{seconds}"}


def _retry_after(response: Response, seconds: int) -> Response:
    """The page, with Retry-After for anything that reads headers."""
    response.headers["Retry-After"] = str(seconds)
    return response


@router.post("/logout")
async def logout(seen: AnyViewer) -> Response:
    """End the session (every service then refuses its token) and forget it in this browser."""
    if seen.principal is not None:
        await _end_session(seen, seen.principal)
    response = go("/login", notice="signed_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _end_session(seen: Viewer, principal: Principal) -> None:
    """Ask registration to end the session; refused here at once, whatever it answers."""
    try:
        await seen.backend.call(
            "registration", "DELETE", "/v1/auth/sessions/current", token=principal.token
        )
    except ServiceError as error:
        # 401: already ended or expired; 422: a token from no sign-in (development tokens)
        log.warning("the session could not be ended", status=error.status, detail=error.detail)
    if principal.session_id is not None:
        seen.request.app.state.signed_out.add(principal.session_id)


@router.get("/language/{language}")
async def choose_language(language: str, next: str | None = None) -> Response:
    """Remember the chosen language and go back."""
    response = RedirectResponse(_local(next) or "/", status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax", path="/"
        )
    return response


@router.get("/accept-invitation")
async def invitation_page(seen: AnyViewer) -> Response:
    """Choose a password for an invitation (the link's secret stays in the URL fragment)."""
    return render(seen, "password.html", mode="invitation", errors={})


@router.post("/accept-invitation")
async def accept_invitation(request: Request, seen: AnyViewer) -> Response:
    """Keep the chosen password; a code goes to the invited address to prove it is theirs."""
    form = await request.form()
    token, errors = _password_form(form)
    if errors:
        return render(seen, "password.html", 422, mode="invitation", errors=errors)
    try:
        sent = await seen.backend.call(
            "registration",
            "POST",
            "/v1/auth/invitations/accept",
            token=None,
            json={"token": token, "password": str(form["password"])},
        )
    except ServiceError as error:
        if error.unavailable:
            return problem_page(seen, error)
        return render(seen, "password.html", 422, mode="invitation", errors=_password_errors(error))
    return render(seen, "password.html", mode="code", errors={}, email_hint=sent["email_hint"])


@router.post("/accept-invitation/code")
async def confirm_invitation(request: Request, seen: AnyViewer) -> Response:
    """The code from the e-mail: the account is made, and the person signed in."""
    form = await request.form()
    token = str(form.get("token", "")).strip()
    code = "".join(str(form.get("code", "")).split())
    hint = str(form.get("email_hint", ""))
    if not code:
        return render(
            seen, "password.html", 422, mode="code", errors={"code": "@required"}, email_hint=hint
        )
    try:
        session = await seen.backend.call(
            "registration",
            "POST",
            "/v1/auth/invitations/confirm",
            token=None,
            json={"token": token, "code": code},
        )
    except ServiceError as error:
        if error.unavailable:
            return problem_page(seen, error)
        errors = {"code": error.detail} if error.status == 422 and not error.fields else {}
        errors = errors or {"form": error.detail}
        return render(seen, "password.html", 422, mode="code", errors=errors, email_hint=hint)
    return _signed_in(seen, session, None)


@router.get("/forgot-password")
async def forgot_page(seen: AnyViewer) -> Response:
    """Ask for a password reset link by e-mail."""
    return render(seen, "forgot.html", errors={}, email="")


@router.post("/forgot-password")
async def forgot(request: Request, seen: AnyViewer) -> Response:
    """Send a reset link if the address has an account (the answer is the same either way)."""
    form = await request.form()
    email = str(form.get("email", "")).strip()
    try:
        await seen.backend.call(
            "registration",
            "POST",
            "/v1/auth/password-resets",
            token=None,
            json={"email": email},
            headers=_on_behalf_of(request),
        )
    except ServiceError as error:
        if error.unavailable:
            return problem_page(seen, error)
        if seconds := _wait(error):
            page = render(seen, "forgot.html", 429, errors=_too_many(seconds), email=email)
            return _retry_after(page, seconds)
        return render(seen, "forgot.html", 422, errors=_fields(error), email=email)
    return go("/login", notice="reset_sent")


@router.get("/reset-password")
async def reset_page(seen: AnyViewer) -> Response:
    """Choose a new password with a reset link."""
    return render(seen, "password.html", mode="reset", errors={})


@router.post("/reset-password")
async def reset(request: Request, seen: AnyViewer) -> Response:
    """Set the new password; the person then signs in with it."""
    form = await request.form()
    token, errors = _password_form(form)
    if errors:
        return render(seen, "password.html", 422, mode="reset", errors=errors)
    try:
        await seen.backend.call(
            "registration",
            "POST",
            "/v1/auth/password-resets/complete",
            token=None,
            json={"token": token, "password": str(form["password"])},
        )
    except ServiceError as error:
        if error.unavailable:
            return problem_page(seen, error)
        return render(seen, "password.html", 422, mode="reset", errors=_password_errors(error))
    return go("/login", notice="password_changed")


def _password_form(form) -> tuple[str, dict[str, str]]:
    """The link's secret, and what is wrong with the form before asking the service."""
    token = str(form.get("token", "")).strip()
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    errors = {}
    if len(token) < 20:
        errors["form"] = "@link_incomplete"
    if not password:
        errors["password"] = "@required"  # noqa: S105 - a message code
    elif password != again:
        errors["password_again"] = "@passwords_differ"  # noqa: S105 - a message code
    return token, errors


def _password_errors(error: ServiceError) -> dict[str, str]:
    """A refused password next to the password field; a used or expired link above the form."""
    if error.status == 422 and not error.fields:
        return {"password": error.detail}
    if error.fields:
        return {"password" if k == "password" else "form": v for k, v in error.fields.items()}
    return {"form": error.detail}


def _fields(error: ServiceError) -> dict[str, str]:
    """Field messages of a refusal, or its detail above the form."""
    return dict(error.fields) or {"form": error.detail}
