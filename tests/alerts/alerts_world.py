"""Helpers of the alert tests: penalty rows, users and subjects."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from helpers.rows import subject_row
from xinyong.ingest.service import ingest_rows
from xinyong.records.models import Record
from xinyong.store.db import session_scope
from xinyong.subjects.identifiers import make_uscc

AUTHORITY = "天津市和平区市场监督管理局"
FIRM_USCC = make_uscc("91120101MA0AL0001")


def penalty(
    no: int, category: str, *, uscc: str = FIRM_USCC, name: str = "天津市和平区白名单示范有限公司"
) -> dict[str, str]:
    return {
        "行政相对人名称": name,
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": uscc,
        "法定代表人": "张三",
        "处罚决定书文号": f"津和市监罚〔2026〕{no}号",
        "违法行为类型": "违反《食品安全法》",
        "违法事实": "经营超过保质期的食品",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
        "处罚类别": category,
        "处罚内容": category,
        "罚款金额（万元）": "0.5",
        "处罚决定日期": "2026/10/20",
        "处罚机关": AUTHORITY,
        "数据来源单位": AUTHORITY,
    }


def ingest_penalty(engine, no: int, category: str, now: dt.datetime, **kw) -> tuple[str, str]:  # noqa: ANN001
    """Ingest one penalty; returns (record id, subject id)."""
    res = ingest_rows(
        engine=engine, rows=[penalty(no, category, **kw)], source=AUTHORITY, kind="penalty", now=now
    )
    assert res.accepted == 1, res.summary()
    with session_scope(engine) as s:
        rec = s.get(Record, res.record_ids[0])
        return rec.id, rec.subject_id


def add_subject(engine, sid: str, district: str, **kw) -> str:  # noqa: ANN001
    when = dt.datetime(2026, 1, 1)
    with session_scope(engine) as s:
        name = kw.pop("name", f"示范企业{sid}")
        s.add(subject_row(sid, seen=when, name=name, district=district, source="市场监管委", **kw))
    return sid


def subject_of(engine, record_id: str) -> str:  # noqa: ANN001
    with session_scope(engine) as s:
        return s.scalar(select(Record.subject_id).where(Record.id == record_id))


def heping_whitelist(s, officer: int, members: list[str], actor: str = "test") -> None:  # noqa: ANN001
    """和平's whitelist "heping_white", owned by the officer (a user id), with `members`."""
    from xinyong.alerts import service

    service.create_watchlist(
        s,
        watchlist_id="heping_white",
        name_zh="和平区诚信白名单",
        name_en="Heping whitelist",
        kind="whitelist",
        district_code="120101",
        owner_user_ids=[officer],
        actor=actor,
    )
    service.add_members(s, watchlist_id="heping_white", subject_ids=members, actor=actor)
