"""Records that came through ingest are logged, and `verify` catches a hand edit of their content
through the content-hash id (ingest's events carry no digest)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile

from sqlalchemy import select, text

from xinyong.ingest.service import ingest_rows
from xinyong.ledger import keys, service
from xinyong.records.models import Record
from xinyong.settings import Settings
from xinyong.store.db import session_scope
from xinyong.subjects.identifiers import make_uscc

KEY = keys._from_text("22" * 32)


def _row(i: int) -> dict[str, str]:
    return {
        "行政相对人名称": f"天津市河东区某某商贸有限公司{i}",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": make_uscc(f"91120102MA{i:07d}"[:17]),
        "法定代表人": "张三",
        "处罚决定书文号": f"津东市监罚〔2026〕{i}号",
        "违法行为类型": "违反《食品安全法》",
        "违法事实": "经营超过保质期的食品",
        "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
        "处罚类别": "警告;罚款",
        "处罚内容": "警告，罚款人民币5000元",
        "罚款金额（万元）": "0.5",
        "处罚决定日期": "2026/5/1",
        "处罚机关": "天津市河东区市场监督管理局",
        "处罚机关统一社会信用代码": make_uscc("11120102MB1234567"),
        "数据来源单位": "天津市河东区市场监督管理局",
    }


def test_ingested_records_are_logged_and_content_edits_are_reported(engine):
    result = ingest_rows(
        engine=engine,
        rows=[_row(i) for i in range(1, 5)],
        source="河东区市场监管局",
        kind="penalty",
        now=dt.datetime(2026, 5, 2, 9, 0),
    )
    assert result.accepted == 4, result
    with session_scope(engine) as s:
        ids = list(s.scalars(select(Record.id).order_by(Record.id)))
        assert service.tree_size(s) == 4
        assert service.verify_store(s, public_key=KEY.public_key())["ok"]
        proofs = service.record_proofs(s, ids, settings=_settings(), at=None)
        assert sorted(proofs) == ids
    edited = ids[1]
    with engine.begin() as conn:
        fields = conn.execute(text("SELECT fields FROM records WHERE id = :id"), {"id": edited}).scalar()
        tampered = fields.replace("5000", "500") if isinstance(fields, str) else None
        if tampered is None:  # PostgreSQL JSONB comes back as a dict
            tampered = json.dumps(
                {k: (v.replace("5000", "500") if isinstance(v, str) else v) for k, v in fields.items()},
                ensure_ascii=False,
            )
        assert tampered != fields
        conn.execute(text("UPDATE records SET fields = :f WHERE id = :id"), {"f": tampered, "id": edited})
    with session_scope(engine) as s:
        report = service.verify_store(s, public_key=KEY.public_key())
    assert report["changed"] == [{"record_id": edited, "columns": ["content (id)"]}]


def _settings() -> Settings:
    return dataclasses.replace(Settings.from_env(), data_dir=tempfile.mkdtemp(), ledger_key="22" * 32)
