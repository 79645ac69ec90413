"""What every page shares: templates, the session cookie, CSRF, error pages, mounting."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from sayso.api.runtime import Rule, Runtime
from sayso.errors import InvalidInput, Unauthenticated
from sayso.services import access
from sayso.services.access import Principal

SESSION_COOKIE = "sayso_session"
CSRF_COOKIE = "sayso_csrf"
CSRF_FIELD = "csrf_token"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # join links carry secrets: never leak them onward
    "X-Frame-Options": "DENY",
}

_templates: Jinja2Templates | None = None


def templates() -> Jinja2Templates:
    global _templates
    if _templates is None:
        folder = resources.files("sayso.web").joinpath("templates")
        _templates = Jinja2Templates(directory=str(folder))
    return _templates


def runtime(request: Request) -> Runtime:
    value: Runtime = request.app.state.runtime
    return value


def client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def gpc(request: Request) -> bool:
    """The browser's Global Privacy Control signal."""
    return request.headers.get("sec-gpc", "").strip() == "1"


class Page:
    """The dependency that declares (and, in the unit of work, enforces) a page's rule."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def __call__(self, request: Request) -> Visitor:
        return Visitor(request, self.rule)


class Visitor:
    def __init__(self, request: Request, rule: Rule) -> None:
        self.request = request
        self.rule = rule
        self.runtime = runtime(request)

    @contextmanager
    def work(self, *, readonly: bool = False) -> Iterator[tuple[Session, Principal]]:
        """The page's unit of work as the principal behind the session cookie."""
        with self.maybe(readonly=readonly) as (session, who):
            if who is None:
                raise Unauthenticated("open your personal invitation link again, or sign in")
            yield session, who

    @contextmanager
    def maybe(self, *, readonly: bool = False) -> Iterator[tuple[Session, Principal | None]]:
        """Like ``work``, for pages anyone may open (the principal may be missing)."""
        secret = self.request.cookies.get(SESSION_COOKIE)
        if self.rule.roles is None:
            with self.runtime.work(None, self.rule, readonly=readonly) as (session, _):
                who = _session_principal(session, self.runtime, secret)
                yield session, who
            return
        with self.runtime.work(secret, self.rule, readonly=readonly) as (session, who):
            if who is not None and who.kind is not access.CredentialKind.SESSION:
                raise Unauthenticated("open your personal invitation link again, or sign in")
            yield session, who


def _session_principal(session: Session, rt: Runtime, secret: str | None) -> Principal | None:
    if not secret:
        return None
    try:
        who = access.resolve(session, rt.ctx, secret)
    except Unauthenticated:
        return None
    return who if who.kind is access.CredentialKind.SESSION else None


def check_csrf(request: Request, form: Any, principal: Principal | None) -> None:
    """Every form carries a token: the session's, or (before a session) the CSRF cookie's."""
    sent = str(form.get(CSRF_FIELD, ""))
    expected = (
        principal.csrf_token
        if principal and principal.csrf_token
        else request.cookies.get(CSRF_COOKIE, "")
    )
    if not sent or not expected or not access.same_secret(sent, expected):
        raise InvalidInput("this form has expired; go back, reload the page and send it again")


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    principal: Principal | None = None,
) -> HTMLResponse:
    """Render a page; forms on it get the session's CSRF token, or a fresh cookie token."""
    token = principal.csrf_token if principal and principal.csrf_token else None
    fresh = None
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        fresh = token if request.cookies.get(CSRF_COOKIE) != token else None
    response = templates().TemplateResponse(
        request,
        name,
        {"csrf_token": token, "principal": principal, **context},
        status_code=status,
        headers=SECURITY_HEADERS,
    )
    if fresh:
        set_cookie(request, response, CSRF_COOKIE, fresh)
    return response


def secure(request: Request) -> bool:
    configured = runtime(request).settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
        max_age=int(access.SESSION_LIFETIME.total_seconds()),
    )


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "detail": detail}, status=status)


def mount(app: FastAPI) -> None:
    from sayso.web import participant_pages, staff_pages

    static = resources.files("sayso.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(participant_pages.router)
    app.include_router(staff_pages.router)
    app.state.error_page = error_page
