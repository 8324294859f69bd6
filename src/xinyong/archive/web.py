"""HTTP plumbing shared by the archive, public and report surfaces: the as-of date parameter
(422 naming the field), 404 for subjects the viewer may not know of, the access log (查询留痕) for
every read beyond the public view, and the base URL printed in QR codes."""

from __future__ import annotations

import datetime as dt

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from xinyong import clock, dates
from xinyong.accounts.deps import current_viewer, log_access, purpose_of
from xinyong.archive.schemas import Archive
from xinyong.archive.service import SubjectNotFound, build_archive
from xinyong.disclosure.policy import Viewer

__all__ = [
    "current_viewer",
    "log_read",
    "not_found",
    "parse_date",
    "public_base_url",
    "read_archive",
]


def parse_date(raw: str | None, *, field: str = "as_of", default: dt.date | None = None) -> dt.date:
    """A date (xinyong.dates) or 422 naming the field (in Chinese and English). Empty → default (today)."""
    try:
        return dates.parse_date(raw, field=field, default=default or clock.today())  # type: ignore[return-value]
    except dates.DateError as exc:
        raise HTTPException(status_code=422, detail={**exc.detail(), "value": exc.value}) from None


def not_found(exc: SubjectNotFound) -> HTTPException:
    return HTTPException(status_code=404, detail=exc.message)


def log_read(session: Session, request: Request, viewer: Viewer, subject_id: str, *, surface: str) -> None:
    """查询留痕: every read by a logged-in viewer may include non-public records or personal data,
    so it is logged with its purpose (`?purpose=` or X-Purpose, else by who reads: own record, a bank,
    supervision). Public reads are not logged."""
    log_access(session, viewer, subject_id, purpose_of(request, viewer, subject_id), surface)


def public_base_url(request: Request) -> str:
    """Where QR codes, sticker sheets and reports point: XINYONG_PUBLIC_BASE_URL, else the server's
    own configured address (http://XINYONG_HOST:XINYONG_PORT). Never the request's Host header: a
    forged Host would otherwise be printed onto stickers and reports (issue 9). In production
    (XINYONG_PRODUCTION=1) the app does not start without XINYONG_PUBLIC_BASE_URL."""
    settings = request.app.state.settings
    return (settings.public_base_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def read_archive(
    request: Request, session: Session, *, subject_id: str, as_of: str | None, surface: str
) -> tuple[Archive, dt.date]:
    """The archive as this request's viewer may see it, for every HTTP surface (JSON, CSV, PDF,
    report check): 422 for a malformed date, 404 for a subject the viewer may not know of, and the
    read logged under `surface`."""
    viewer = current_viewer(request)
    day = parse_date(as_of)
    try:
        archive = build_archive(session, subject_id=subject_id, as_of=day, viewer=viewer)
    except SubjectNotFound as exc:
        raise not_found(exc) from None
    log_read(session, request, viewer, subject_id, surface=surface)
    return archive, day
