"""信易+ on the archive and the public card (registered in xinyong.archive.service.ARCHIVE_SECTIONS and
xinyong.public.service.CARD_SECTIONS, so those lower domains never import this one).

Both blocks list the granted scenarios only and link to the benefits page; the reasons for scenarios a
subject lacks stay on that page, which shows them to the subject and officers only (disclosure
`full_archive`, logged)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import Viewer, full_archive
from xinyong.incentives import person, service
from xinyong.incentives.errors import IncentiveError
from xinyong.subjects.models import Subject

TITLE = {"id": "benefits", "title_zh": "信易+激励", "title_en": "Credit-based benefits (信易+)"}


def _items(granted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "label": g["name_zh"],
            "value": g["benefit"]["zh"],
            "note": g["benefit"]["type_zh"],
            "note_en": g["name_en"],
        }
        for g in granted
    ]


def archive_section(session: Session, *, subject: Subject, as_of: dt.date, viewer: Viewer) -> dict | None:
    """{id, title, items: granted scenarios, href: the benefits page (with reasons for the subject and
    officers)}; None when no shipped scenario covers the subject."""
    try:
        hide = (
            subject.kind == "person"
            and not person.may_read_score(session, subject_id=subject.id, viewer=viewer)[0]
        )
        out = service.benefits(
            session, subject_id=subject.id, as_of=as_of, with_reasons=False, hide_personal=hide
        )
    except IncentiveError:
        return None
    reasons = full_archive(viewer, subject)
    if not out["granted"] and not reasons:
        return None
    return {
        **TITLE,
        "items": _items(out["granted"]) or [{"label": "可享受的激励", "value": "暂无 none"}],
        "href": f"/benefits/{subject.id}?as_of={as_of.isoformat()}",
        "href_label": "查看全部及未满足原因 / all benefits and what is missing"
        if reasons
        else "详情 / details",
    }


def card_section(conn: Connection, *, subject_id: str, as_of: dt.date) -> dict | None:
    """The public card's block: granted scenarios only (None when there are none)."""
    with Session(bind=conn) as session:
        try:
            out = service.benefits(
                session, subject_id=subject_id, as_of=as_of, with_reasons=False, hide_personal=True
            )
        except IncentiveError:
            return None
    if not out["granted"]:
        return None
    return {
        **TITLE,
        "items": _items(out["granted"]),
        "href": f"/c/{subject_id}/benefits",
        "href_label": "详情 / details",
    }
