"""The ASGI application: the API under /api/v1 and the pages, over the same services."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from sayso.api import problems
from sayso.api.routes import log, participant, staff
from sayso.api.runtime import Runtime
from sayso.api.schemas import ProblemOut
from sayso.ledger.db import make_engine
from sayso.services.context import Context
from sayso.settings import Settings
from sayso.web import pages

API = "/api/v1"


def create_app(settings: Settings, ctx: Context | None = None) -> FastAPI:
    """Build the app; the engine connects on first use, never at import."""
    engine = make_engine(settings.database_url)
    runtime = Runtime(settings, engine, ctx or Context.open(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        runtime.writer.close()
        engine.dispose()

    app = FastAPI(
        title="Sayso",
        summary="Per-participant consent for meeting content: enforced, provable.",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    # Every other route declares its access rule (Needs / Page); these are public by nature.
    app.state.public_paths = frozenset({f"{API}/openapi.json", f"{API}/docs", "/static"})
    problems.install(app)
    for router in (participant.router, staff.router, log.router):
        app.include_router(router, prefix=API)
    pages.mount(app)
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    """Every error answer refers to one ProblemOut schema instead of repeating it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["ProblemOut"] = ProblemOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_environment() -> FastAPI:
    """For ``sayso serve --workers N``: each worker reads its settings (SAYSO_*) itself."""
    app = create_app(Settings())
    freeze_heap()
    return app


def freeze_heap() -> None:
    """Before serving: keep what was built so far (modules, the app, its routes and
    schemas, all living as long as the process) out of the garbage collector's full
    passes. Each pass scanned it all (about 75 ms) while every thread, the consent
    writer's batch included, waited: the slowest requests were those."""
    gc.collect()
    gc.freeze()
