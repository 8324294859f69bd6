"""Error pages for browsers: Chinese HTML for 401/403/404/405/409/413/422/500, the API keeps JSON.

A request gets HTML when it is not under `/api/` and its `Accept` header prefers `text/html` (what
a browser sends on navigation); anything else (API clients, htmx fragments asking for JSON, curl's
`*/*`) gets FastAPI's usual JSON body. Every error answer carries a request id (`X-Request-ID`,
the client's own when it sent one of a sane shape, else a new one); the 500 page shows it and the
server log has the traceback under the same id, so a user can quote it to the help desk.
"""

from __future__ import annotations

import logging
import re
import secrets
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from xinyong.console.templating import env
from xinyong.dates import FORMATS_EN, FORMATS_ZH

log = logging.getLogger("xinyong.errors")
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# status → (title, what to do next), Chinese first.
MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("请求有误", "Bad request", "请检查输入后重试。"),
    401: ("请先登录", "Login required", "登录后即可查看此页面。"),
    403: ("无权访问", "Forbidden", "当前账号的角色无权打开此页面；如需权限请联系市级管理员。"),
    404: ("页面或主体不存在", "Not found", "请检查地址或统一社会信用代码是否正确。"),
    405: ("不支持的操作", "Method not allowed", "请从页面上的按钮或链接进入。"),
    409: ("操作冲突", "Conflict", "该数据已被处理，请刷新页面查看最新状态。"),
    413: ("文件过大", "Payload too large", "请拆分文件后分批上传。"),
    422: ("输入无法处理", "Unprocessable input", "请按下列说明修改后重试。"),
    500: ("系统内部错误", "Internal server error", "请稍后重试；如问题持续，请把下方请求编号告知运维人员。"),
}


def request_id(request: Request) -> str:
    """The id of this request (cached on request.state)."""
    cached = getattr(request.state, "request_id", None)
    if cached is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        cached = given if _SANE_ID.match(given) else secrets.token_hex(8)
        request.state.request_id = cached
    return cached


def wants_html(request: Request) -> bool:
    """Browsers navigating to a console page; never the REST API."""
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept.split(",")[0]


_WHERE = ("query", "path", "body", "header", "cookie")
_DATE_TYPES = {
    "xinyong_date",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "date_type",
}
_INT_TYPES = {"int_parsing", "int_type", "int_from_float", "int_parsing_size"}


def _reason(err: dict) -> tuple[str, str]:
    """(Chinese, English) reason of one pydantic validation error, without the field."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    given = str(err.get("input", ""))[:40]
    if kind in _DATE_TYPES:
        return f"日期格式错误“{given}”，应为 {FORMATS_ZH}", f"malformed date {given!r}, expected {FORMATS_EN}"
    if kind in _INT_TYPES:
        return f"应为整数，收到“{given}”", f"must be a whole number, got {given!r}"
    bounds = {
        "greater_than_equal": ("不能小于 {ge}", "must be at least {ge}"),
        "greater_than": ("必须大于 {gt}", "must be greater than {gt}"),
        "less_than_equal": ("不能大于 {le}", "must be at most {le}"),
        "less_than": ("必须小于 {lt}", "must be less than {lt}"),
        "string_too_long": ("最多 {max_length} 个字符", "at most {max_length} characters"),
        "string_too_short": ("至少 {min_length} 个字符", "at least {min_length} characters"),
        "too_long": ("最多 {max_length} 项", "at most {max_length} items"),
        "literal_error": ("应为以下之一：{expected}", "must be one of {expected}"),
        "enum": ("应为以下之一：{expected}", "must be one of {expected}"),
        "string_pattern_mismatch": ("格式不符合要求", "does not match the expected format"),
    }
    if kind in bounds:
        zh, en = bounds[kind]
        return zh.format(**ctx), en.format(**ctx)
    simple = {
        "missing": ("必填项未填写", "required"),
        "float_parsing": ("应为数字", "must be a number"),
        "bool_parsing": ("应为是或否（true/false）", "must be true or false"),
        "datetime_parsing": ("日期时间格式错误，应为 YYYY-MM-DDTHH:MM:SS", "malformed date-time"),
        "datetime_from_date_parsing": ("日期时间格式错误，应为 YYYY-MM-DDTHH:MM:SS", "malformed date-time"),
        "json_invalid": ("JSON 格式错误", "malformed JSON"),
    }
    if kind in simple:
        return simple[kind]
    return "输入无效", str(err.get("msg", "invalid input"))


def bilingual_errors(errors: list | tuple) -> list[dict]:
    """FastAPI's validation errors, each with `field` and a Chinese and an English message naming it
    (the domains' error shape `{"field", "zh", "en"}`; `loc`, `msg`, `type` stay for API clients)."""
    out = []
    for err in errors:
        item = dict(err) if isinstance(err, dict) else {"msg": str(err), "loc": ()}
        loc = [str(p) for p in item.get("loc", ()) if p not in _WHERE]
        field = ".".join(loc) or "body"
        zh, en = _reason(item)
        item.update(field=field, zh=f"{field}：{zh}", en=f"{field}: {en}")
        if isinstance(item.get("ctx"), dict):  # exceptions in ctx are not JSON
            item["ctx"] = {
                k: v if isinstance(v, str | int | float) else str(v) for k, v in item["ctx"].items()
            }
        out.append(item)
    return out


def is_console_form(request: Request) -> bool:
    """A console form post or htmx call (not the API): its errors are shown as a page, never JSON."""
    if request.url.path.startswith("/api/"):
        return False
    kind = request.headers.get("content-type", "")
    return (
        request.headers.get("hx-request") == "true"
        or kind.startswith("application/x-www-form-urlencoded")
        or kind.startswith("multipart/form-data")
    )


# Starlette's bare reason phrases ("Not Found" for an unknown path): the page's bilingual title says it.
_BARE_PHRASES = frozenset(s.phrase for s in HTTPStatus)


def _detail_text(detail: object) -> list[str]:
    """An exception's detail as lines: a string, a {zh, en} dict, or FastAPI's validation errors."""
    if detail is None:
        return []
    if isinstance(detail, str):
        return [] if detail in _BARE_PHRASES else [detail]
    if isinstance(detail, dict):
        zh, en = detail.get("zh"), detail.get("en")
        return [f"{zh} / {en}"] if zh or en else [str(detail.get("message", detail))]
    if isinstance(detail, list | tuple):
        lines = []
        for item in detail:
            if isinstance(item, dict) and "zh" in item and "en" in item:
                lines.append(f"{item['zh']} / {item['en']}")
            elif isinstance(item, dict) and "msg" in item:
                where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "path", "body"))
                zh, en = _reason(item)
                reason = f"{zh} / {en}"
                lines.append(f"参数 {where}：{reason}" if where else reason)
            else:
                lines.extend(_detail_text(item))
        return lines
    return [str(detail)]


def error_page(request: Request, status: int, detail: object = None, headers: dict | None = None) -> Response:
    title, title_en, advice = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    rid = request_id(request)
    html = env.get_template("error.html").render(
        request=request,
        status=status,
        title=title,
        title_en=title_en,
        advice=advice,
        details=[] if status >= 500 else _detail_text(detail),
        request_id=rid,
    )
    response = Response(html, status_code=status, media_type="text/html; charset=utf-8", headers=headers)
    response.headers[REQUEST_ID_HEADER] = rid
    return response


def install_error_pages(app: FastAPI) -> None:
    """Register the handlers on `app` (called once by the app factory)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code >= 400 and wants_html(request):
            return error_page(request, exc.status_code, exc.detail, getattr(exc, "headers", None))
        response = await http_exception_handler(request, exc)
        if exc.status_code >= 400:
            response.headers[REQUEST_ID_HEADER] = request_id(request)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        """Malformed input: 422 naming each field in Chinese and English — the error page for a
        browser or a console form post (nothing ran, so nothing changed), JSON for the API."""
        errors = bilingual_errors(exc.errors())
        if wants_html(request) or is_console_form(request):
            return error_page(request, 422, errors)
        return JSONResponse(
            {"detail": jsonable_encoder(errors)},
            status_code=422,
            headers={REQUEST_ID_HEADER: request_id(request)},
        )

    @app.exception_handler(sa_exc.DataError)
    async def refused_value(request: Request, exc: sa_exc.DataError) -> Response:
        """The database refused a value the client sent (a NUL character in a text, a number out of the
        column's range): the client's input, so 422 naming the reason — not a 500. The transaction
        was rolled back with the failed statement; nothing changed."""
        log.info("value refused by the database, request id %s: %s", request_id(request), exc.orig)
        detail = {
            "zh": "输入含数据库不接受的字符或数值（例如 NUL 控制字符），请检查后重试",
            "en": "the input holds a character or number the database does not accept (e.g. a NUL "
            "control character); check it and retry",
        }
        return await http_error(request, StarletteHTTPException(422, detail=detail))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        rid = request_id(request)
        log.error("unhandled error, request id %s", rid, exc_info=exc)
        if wants_html(request):
            return error_page(request, 500)
        return JSONResponse(
            {"detail": "系统内部错误 / internal server error", "request_id": rid},
            status_code=500,
            headers={REQUEST_ID_HEADER: rid},
        )
