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
from xinyong.console.errors import install_error_pages
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
    "xinyong.status.api",
    "xinyong.scorecard.pages",
    "xinyong.subjects.api",
    "xinyong.subjects.pages",
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
    install_error_pages(app)
    app.mount("/static", StaticFiles(directory=static), name="static")
    for name in ROUTER_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router)

    app.add_exception_handler(sa_exc.TimeoutError, _pool_exhausted)
    app.add_exception_handler(sa_exc.OperationalError, _database_unavailable)
    app.add_exception_handler(sa_exc.InterfaceError, _database_unavailable)

    app.openapi = lambda: _openapi_with_error_bodies(app)
    app.add_middleware(SecurityHeaders)
    if settings.production:
        _check_production(settings)

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


# Every error this API answers with: FastAPI's validation list, or `{"detail": "中文 / English"}`, or
# `{"detail": {"zh", "en", ...}}` (HTTPException with a dict). The OpenAPI schema says so for each
# operation, so a client — and the schemathesis run in tests — can rely on it.
ERROR_STATUSES = ("400", "401", "403", "404", "409", "413", "422", "429", "503")
ERROR_BODY = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
                {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}},
            ]
        }
    },
}


def _openapi_with_error_bodies(app: FastAPI) -> dict:
    """The generated schema, with one `ErrorBody` for every 4xx/503 answer of every operation."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ValidationError", {"type": "object"})
    components["ErrorBody"] = ERROR_BODY
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status in ERROR_STATUSES:
                responses[status] = {
                    "description": responses.get(status, {}).get("description", "error"),
                    **ref,
                }
    app.openapi_schema = schema
    return schema


def _check_production(settings: Settings) -> None:
    """XINYONG_PRODUCTION=1 refuses to start without what a public deployment needs: the public base
    URL printed into QR codes and reports (never taken from a request's Host header) and a real
    secret key."""
    missing = []
    if not settings.public_base_url.startswith(("https://", "http://")):
        missing.append("XINYONG_PUBLIC_BASE_URL (e.g. https://xinyong.example.gov.cn)")
    if settings.secret_key in ("", "dev-secret-change-me"):
        missing.append("XINYONG_SECRET_KEY (a long random value)")
    if missing:
        raise RuntimeError("生产模式缺少设置 / production mode needs: " + "; ".join(missing))


CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Pure ASGI middleware: every response gets a Content-Security-Policy (scripts only from this
    site, plus inline scripts carrying this request's nonce — `request.state.csp_nonce` in templates),
    `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`.
    Styles may be inline (the card and the archive carry their CSS in the page; htmx adds its own)."""

    def __init__(self, app) -> None:  # noqa: ANN001 - an ASGI app
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import secrets

        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        extra = [
            (b"content-security-policy", CSP.format(nonce=nonce).encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

        async def send_with_headers(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [h for h in extra if h[0] not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)
