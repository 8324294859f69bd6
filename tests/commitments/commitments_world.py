"""A small store for the commitment tests: merchants of 和平's and 静海's pilots, a carrier, and a
subject outside any pilot, each with a valid USCC (so ingested records link to them)."""

from __future__ import annotations

import datetime as dt

from xinyong.commitments import service
from xinyong.store.db import session_scope
from xinyong.subjects.identifiers import make_uscc
from xinyong.subjects.service import upsert_subjects

T0 = dt.datetime(2026, 1, 5, 2, 0)  # 10:00 in Beijing on 2026-01-05
HEPING, JINGHAI = "heping_hisense_plaza", "jinghai_haijixing"


def uscc(district: str, n: int) -> str:
    return make_uscc(f"91{district}{n:09d}")


def add_subjects(engine, *, heping: int = 3, jinghai: int = 3, others: int = 1) -> dict[str, list[str]]:
    """{"heping": ids, "jinghai": ids, "other": ids, "carrier": [id]} (the carrier is 和平's mall)."""
    rows, groups = [], []
    for i in range(heping):
        rows.append(
            {"kind": "enterprise", "name": f"和平商户{i}", "uscc": uscc("120101", i + 1), "pilot": HEPING}
        )
        groups.append("heping")
    rows.append(
        {
            "kind": "carrier",
            "name": "天津海信广场",
            "local_code": "CARRIER-HEPING-1",
            "district_code": "120101",
            "pilot": HEPING,
        }
    )
    groups.append("carrier")
    for i in range(jinghai):
        rows.append(
            {"kind": "enterprise", "name": f"静海商户{i}", "uscc": uscc("120118", i + 1), "pilot": JINGHAI}
        )
        groups.append("jinghai")
    for i in range(others):
        rows.append({"kind": "enterprise", "name": f"河西企业{i}", "uscc": uscc("120103", i + 1)})
        groups.append("other")
    with session_scope(engine) as s:
        ids = upsert_subjects(s, rows, now=T0)
    out: dict[str, list[str]] = {"heping": [], "jinghai": [], "other": [], "carrier": []}
    for g, sid in zip(groups, ids, strict=True):
        out[g].append(sid)
    return out


def sign_online(s, sid: str, template: str = "heping_honest_merchant", *, key: str | None = None, now=T0):  # noqa: ANN001
    """An online signature by merchant "m" at T0 (the commitment most tests start from)."""
    return service.sign(
        s, template_id=template, subject_id=sid, actor="m", channel="online", idempotency_key=key, now=now
    )


def sign(engine, sid: str, template: str = "heping_honest_merchant") -> str:  # noqa: ANN001
    """sign_online in its own transaction; returns the commitment's id."""
    with session_scope(engine) as s:
        return sign_online(s, sid, template).id
