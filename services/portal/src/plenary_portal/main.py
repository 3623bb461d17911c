"""Composition root of the portal: pages, static files, the services' client, health."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from plenary_portal.adapters.backend import Backend
from plenary_portal.config import Settings
from plenary_portal.entrypoints.web import auth, focal_point, live, organiser, participant
from plenary_portal.entrypoints.web.pages import SignInNeeded, render, sign_in_redirect, viewer
from plenary_shared.api import BodyLimitMiddleware, health_router
from plenary_shared.auth import TokenVerifier
from plenary_shared.logging import configure_logging

STATIC = Path(__file__).resolve().parent / "static"
SERVICES = ("scheduling", "delegation", "registration", "notification")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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

    async def services_up() -> bool:
        backend: Backend = app.state.backend
        answers = await asyncio.gather(
            *(backend.http.get(settings.url(s) + "/healthz", timeout=2) for s in SERVICES),
            return_exceptions=True,
        )
        return all(not isinstance(a, Exception) and a.status_code == 200 for a in answers)

    app.include_router(health_router({"services": services_up}, events=False))
    for module in (auth, focal_point, participant, organiser, live):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + 65_536)
    _same_origin_writes(app)
    _error_pages(app)
    return app


def _same_origin_writes(app: FastAPI) -> None:
    """Refuse a form posted from another site (cross-site request forgery)."""

    @app.middleware("http")
    async def check_origin(request: Request, call_next) -> Response:
        if request.method in UNSAFE:
            origin = request.headers.get("origin") or request.headers.get("referer") or ""
            host = request.headers.get("host", "")
            if origin and origin.split("://", 1)[-1].split("/", 1)[0] != host:
                return PlainTextResponse("Forms are accepted from this site only.", status_code=403)
        response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


def _error_pages(app: FastAPI) -> None:
    """Sign-in redirects and human error pages instead of JSON."""

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        return sign_in_redirect(request, expired=exc.expired)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return render(viewer(request), "problem.html", exc.status_code, error=exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return render(viewer(request), "problem.html", 400, error=None)
