"""Credit-list memberships on the archive, with their whole history (registered in
xinyong.archive.service.ARCHIVE_SECTIONS), and the public lists in force on the public card (registered in
xinyong.public.service.CARD_SECTIONS), so neither lower domain imports this one. Which memberships a
viewer sees is the disclosure policy's `list_membership_visible`: public lists for anyone who may see the
subject; non-public lists (重点关注, 白名单) for the city, banks, the subject's own district office and the
subject itself."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import Viewer, list_membership_visible
from xinyong.lists.service import card_lists, end_of, history, load_lists, status_of
from xinyong.subjects.models import Subject

STATUS_ZH = {"pending": "待生效", "active": "在列", "expired": "已到期", "exited": "已移出"}


def archive_section(session: Session, *, subject: Subject, as_of: dt.date, viewer: Viewer) -> dict | None:
    """{id: "lists", items: one per membership, newest first: list name, status as of the date, the
    interval, authority and reason (exits included: memberships are never deleted)}."""
    defs = load_lists()
    items = []
    for m, x in history(session, subject_id=subject.id):
        d = defs.get(m.list_id)
        if d is None or not list_membership_visible(viewer, subject, public_list=d.public):
            continue
        if m.listed_on > as_of:
            continue  # not decided yet as of the date
        status = status_of(m, x, as_of)
        end = end_of(m, x)
        span = f"{m.start_on} 至 {end}" if end else f"{m.start_on} 起"
        why = f"{m.authority}：{m.reason}"
        exit_note = f"；移出 exit：{x.reason}" if x is not None and x.exit_on <= as_of else ""
        items.append(
            {
                "label": f"{d.category_zh} · {d.name_zh}",
                "value": f"{STATUS_ZH.get(status, status)} {status} · {span}",
                "note": f"{why}{exit_note}",
                "note_en": d.name_en,
            }
        )
    if not items:
        return None
    return {"id": "lists", "title_zh": "信用名单", "title_en": "Credit lists (with history)", "items": items}


def card_section(conn: Connection, *, subject_id: str, as_of: dt.date) -> dict | None:
    """The public card's block: public lists in force as of the date (`card_lists`, the policy for the
    public viewer), drawn by `lists_card_section.html`; None when there are none."""
    items = card_lists(conn, subject_id=subject_id, as_of=as_of)
    if not items:
        return None
    for it in items:  # the generic block keys too, for any surface that draws blocks without the template
        it.update(label=it["name_zh"], value=it["category_zh"], note=it["authority"], note_en=it["name_en"])
    return {
        "id": "lists",
        "title_zh": "信用名单",
        "title_en": "Credit lists",
        "template": "lists_card_section.html",
        "items": items,
    }
