"""FastAPI application factory: REST API under /api/v1 and the server-rendered console.

Domains contribute routers through `api.py` (attribute `router`, REST) and `pages.py`
(attribute `router`, HTML). Every API route is documented in docs/api.md (a test checks).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

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
    "xinyong.scorecard.pages",
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

    @app.get("/healthz", tags=["system"])
    def healthz() -> dict[str, str]:
        """Liveness probe; also the 'hello' baseline of the lookup benchmark."""
        return {"status": "ok"}

    return app
