"""Errors as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from sayso.errors import (
    Conflict,
    DatabaseError,
    InvalidInput,
    KeyFileError,
    LogCorrupt,
    NotAllowed,
    NotFound,
    PolicyRejected,
    RateLimited,
    ReceiptInvalid,
    SaysoError,
    Unauthenticated,
    UnknownModality,
    UnknownPurpose,
)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://sayso.dev/problems/"
log = logging.getLogger("sayso.api")

STATUS: dict[type[SaysoError], int] = {
    Unauthenticated: 401,
    NotAllowed: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    PolicyRejected: 422,
    UnknownPurpose: 422,
    UnknownModality: 422,
    ReceiptInvalid: 422,
    RateLimited: 429,
    LogCorrupt: 500,
    DatabaseError: 503,
    KeyFileError: 500,
}
TITLES = {
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid request",
    429: "Too many requests",
    500: "Server error",
    503: "Unavailable",
}


def status_of(exc: SaysoError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": TYPE_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(SaysoError, _sayso)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)


def _page(request: Request, status: int, detail: str) -> Response | None:
    """Pages get an HTML error page (the web layer registers how to draw it)."""
    draw = getattr(request.app.state, "error_page", None)
    if draw is None or request.url.path.startswith("/api/"):
        return None
    response: Response = draw(request, status, detail)
    return response


async def _sayso(request: Request, exc: SaysoError) -> Response:
    status = status_of(exc)
    page = _page(request, status, str(exc))
    if page is not None:
        return page
    extra = {"rule": exc.rule} if isinstance(exc, PolicyRejected) else {}
    return problem(status, exc.code, str(exc), **extra)


async def _invalid(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body", "message": e["msg"]}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    detail = f"{first['field']}: {first['message']}"
    page = _page(request, 422, f"the form was not filled in as expected ({detail})")
    if page is not None:
        return page
    return problem(422, "invalid_request", detail, errors=errors)


async def _http(request: Request, exc: HTTPException) -> Response:
    page = _page(request, exc.status_code, str(exc.detail))
    if page is not None:
        return page
    return problem(exc.status_code, "http_" + str(exc.status_code), str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> Response:
    # The exception's text may hold personal data, and paths may hold secrets: type only.
    log.error("unexpected %s on %s", type(exc).__name__, request.method)
    page = _page(request, 500, "something went wrong on our side; it has been logged")
    if page is not None:
        return page
    return problem(500, "internal", "something went wrong on our side; it has been logged")
