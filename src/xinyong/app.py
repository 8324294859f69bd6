"""FastAPI application factory: REST API under /api/v1 and the server-rendered console.

Domains contribute routers through `api.py` (attribute `router`, REST) and `pages.py`
(attribute `router`, HTML). Every API route is documented in docs/api.md (a test checks).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import exc as sa_exc

from xinyong import __version__
from xinyong.settings import Settings, get_settings
from xinyong.store.db import make_engine

# Modules exposing `router`. API routers carry their own /api/v1 prefix.
ROUTER_MODULES = [
    "xinyong.console.pages",
    "xinyong.ingest.api",
    "xinyong.ingest.pages",
    "xinyong.ledger.api",
    "xinyong.archive.api",
    "xinyong.archive.pages",
    "xinyong.public.api",
    "xinyong.public.pages",
    "xinyong.reports.api",
    "xinyong.accounts.api",
    "xinyong.accounts.pages",
    "xinyong.evaluation.api",
    "xinyong.evaluation.pages",
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="xinyong 信用平台 API",
        version=__version__,
        description="Public-credit platform for the Tianjin 信用赋能 创新发展 district plans.",
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    static = Path(__file__).parent / "console" / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    for name in ROUTER_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router)

    app.add_exception_handler(sa_exc.TimeoutError, _pool_exhausted)
    app.add_exception_handler(sa_exc.OperationalError, _database_unavailable)
    app.add_exception_handler(sa_exc.InterfaceError, _database_unavailable)

    @app.get("/healthz", tags=["system"])
    async def healthz() -> dict[str, str]:
        """Liveness probe; also the 'hello' baseline of the lookup benchmark.

        `async` on purpose: it touches nothing blocking, so it answers from the event loop even
        when every worker thread is busy — a stalled loop is exactly what it must detect."""
        return {"status": "ok"}

    return app


def _busy(zh: str, en: str) -> JSONResponse:
    return JSONResponse({"detail": {"zh": zh, "en": en}}, status_code=503, headers={"Retry-After": "1"})


async def _pool_exhausted(_request: Request, _exc: Exception) -> JSONResponse:
    """Every database connection of this process is busy for longer than XINYONG_DB_POOL_TIMEOUT:
    this request fails fast (503, retry in a second) and the server keeps answering the others."""
    return _busy("服务繁忙，请稍后重试", "server busy: no database connection free; retry shortly")


async def _database_unavailable(_request: Request, _exc: Exception) -> JSONResponse:
    """The database dropped the connection or refused it: a clean 503; the pool replaces the
    connection (pre-ping), so the next request works once the database answers again."""
    return _busy("数据库暂时不可用，请稍后重试", "database temporarily unavailable; retry shortly")
