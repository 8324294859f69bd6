"""Public pages (no login): registry search, the credit card at /c/{id} and its QR codes.

Everything here is rendered for the public viewer whoever is logged in, so a shop-window QR code
always shows the same thing to every customer, and the card never needs a session lookup.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from xinyong.archive.service import SubjectNotFound, list_subjects
from xinyong.archive.web import parse_date, public_base_url
from xinyong.console.templating import env, render
from xinyong.disclosure.policy import PUBLIC, subject_filter
from xinyong.public.qr import card_url, qr_png, qr_svg
from xinyong.public.service import build_card
from xinyong.ratelimit import limit_public_search
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)
SEARCH_LIMIT = 20
# The image depends only on the subject id and XINYONG_PUBLIC_BASE_URL (never on the request), so
# one cached copy serves everyone; the ETag lets a cache revalidate after the base URL changes.
QR_CACHE = "public, max-age=86400"


def _qr_response(request: Request, body: bytes, media_type: str) -> Response:
    import hashlib

    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"Cache-Control": QR_CACHE, "ETag": etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/public", response_class=HTMLResponse, dependencies=[Depends(limit_public_search)])
def public_search(
    request: Request, q: str | None = Query(None, max_length=100), offset: int = Query(0, ge=0, le=10_000)
):
    """公共信用信息查询: by name fragment or USCC prefix; at least two characters, so the registry
    cannot be listed wholesale through this page. SEARCH_LIMIT results a page (`offset`)."""
    text = (q or "").strip()
    page = None
    pages = None
    if len(text) >= 2:
        from urllib.parse import urlencode

        from sqlalchemy.orm import Session

        with Session(bind=request.app.state.engine) as session:
            page = list_subjects(session, viewer=PUBLIC, q=text, limit=SEARCH_LIMIT, offset=offset)
        url = "/public?" + urlencode({"q": text}) + "&offset="
        pages = {
            "first": offset + 1,
            "last": offset + len(page.items),
            "prev": f"{url}{max(0, offset - SEARCH_LIMIT)}" if offset > 0 else None,
            "next": f"{url}{offset + SEARCH_LIMIT}" if page.total > offset + SEARCH_LIMIT else None,
        }
    return render(
        request, "public_search.html", q=text, page=page, pages=pages, too_short=bool(text) and page is None
    )


def public_card(request: Request) -> HTMLResponse:
    """The public credit card (公开信用卡) a QR code points to: `/c/{subject_id}?as_of=`. Stable
    URL, printed on stickers.

    The hot path of 一扫可查 (bench/lookup.py), so it is a plain Starlette route: no FastAPI
    dependency/validation layer for one path and one optional query parameter. It is a sync
    function, so Starlette runs it in the thread pool: a database call on the event loop would
    stall every other request (and /healthz) whenever the connection pool is busy (issue 9)."""
    subject_id = request.path_params["subject_id"]
    day = parse_date(request.query_params.get("as_of"))
    with request.app.state.engine.connect() as conn:
        try:
            card = build_card(conn, subject_id=subject_id, as_of=day)
        except SubjectNotFound as exc:
            raise HTTPException(status_code=404, detail=exc.message) from None
    html = _card_template().render(card=card, card_url=card_url(public_base_url(request), subject_id))
    return HTMLResponse(html)


router.add_route("/c/{subject_id}", public_card, methods=["GET"], include_in_schema=False)


@lru_cache(maxsize=1)
def _card_template():  # noqa: ANN202 - jinja2.Template
    return env.get_template("public_card.html")


def _check_public(request: Request, subject_id: str) -> None:
    with request.app.state.engine.connect() as conn:
        found = conn.execute(
            select(Subject.id).where(Subject.id == subject_id, subject_filter(PUBLIC))
        ).first()
    if found is None:
        raise HTTPException(status_code=404, detail=SubjectNotFound(subject_id).message)


@router.get("/c/{subject_id}/qr.svg")
def card_qr_svg(request: Request, subject_id: str) -> Response:
    _check_public(request, subject_id)
    body = qr_svg(card_url(public_base_url(request), subject_id))
    return _qr_response(request, body if isinstance(body, bytes) else body.encode(), "image/svg+xml")


@router.get("/c/{subject_id}/qr.png")
def card_qr_png(request: Request, subject_id: str) -> Response:
    _check_public(request, subject_id)
    body = qr_png(card_url(public_base_url(request), subject_id))
    return _qr_response(request, body, "image/png")
