"""Composition root of the portal: pages, static files, the services' client, health."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from plenary_portal.adapters.backend import Backend
from plenary_portal.config import Settings
from plenary_portal.entrypoints.web import auth, focal_point, live, organiser, participant, security
from plenary_portal.entrypoints.web.pages import (
    SignInNeeded,
    csrf_protect,
    render,
    sign_in_redirect,
    viewer,
)
from plenary_shared.api import BodyLimitMiddleware, health_router
from plenary_shared.auth import TokenVerifier
from plenary_shared.logging import configure_logging

STATIC = Path(__file__).resolve().parent / "static"
SERVICES = ("scheduling", "delegation", "registration", "notification")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The portal application."""
    settings = settings or Settings()
    configure_logging(service="portal", level=settings.log_level, json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.backend = Backend(settings)
        yield
        await app.state.backend.close()

    app = FastAPI(title="Plenary portal", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.verifier = TokenVerifier(
        public_key_pem=settings.jwt_public_key,
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )
    app.state.csrf = security.CsrfTokens(
        settings.csrf_key.encode() if settings.csrf_key else secrets.token_bytes(32)
    )
    app.state.signed_out = security.SignedOut()

    async def services_up() -> bool:
        backend: Backend = app.state.backend
        answers = await asyncio.gather(
            *(backend.http.get(settings.url(s) + "/healthz", timeout=2) for s in SERVICES),
            return_exceptions=True,
        )
        return all(isinstance(a, httpx.Response) and a.status_code == 200 for a in answers)

    app.include_router(health_router({"services": services_up}, events=False))
    for module in (auth, focal_point, participant, organiser, live):
        app.include_router(module.router, dependencies=[Depends(csrf_protect)])
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + 65_536)
    security.install(app)
    _error_pages(app)
    return app


def _error_pages(app: FastAPI) -> None:
    """Sign-in redirects and human error pages instead of JSON."""

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        return sign_in_redirect(request, expired=exc.expired)

    @app.exception_handler(security.StaleForm)
    async def _stale_form(request: Request, exc: security.StaleForm) -> Response:
        return render(viewer(request), "problem.html", 403, error=None, stale_form=True)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return render(viewer(request), "problem.html", exc.status_code, error=exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return render(viewer(request), "problem.html", 400, error=None)
