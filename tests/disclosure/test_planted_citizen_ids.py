"""Done-when of issue 10: no public surface shows a citizen ID number, wherever a department put it.

A distinct, valid citizen ID is planted in each identifier column and each free-text field of a
双公示 penalty file; the file is imported through the real pipeline; then every GET route that
takes a subject id (and the list/search routes) is read as the public, a bank and another district's
officer — none of those responses may contain any planted number (their masked form is fine)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers.http import OFFICIALS, app_client, bearer_headers
from xinyong.ingest.service import ingest_file
from xinyong.store.db import make_engine
from xinyong.store.migrate import upgrade
from xinyong.subjects.identifiers import make_citizen_id, make_uscc
from xinyong.subjects.models import Subject

# where a department may put a citizen ID: every identifier column, every free-text field
ID_COLUMNS = [
    "行政相对人代码_1(统一社会信用代码)",
    "行政相对人代码_2(工商注册号)",
    "行政相对人代码_3(组织机构代码)",
    "行政相对人代码_4(税务登记号)",
    "行政相对人代码_5(事业单位证书号)",
    "行政相对人代码_6(社会组织登记证号)",
    "法定代表人证件号码",
    "证件号码",
]
TEXT_COLUMNS = [
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚内容",
    "暂扣或吊销证照名称及编号",
    "数据来源单位",
    "备注",
    "行政相对人名称",
    "法定代表人",
]
HEADER = [
    "行政相对人名称",
    "行政相对人类别",
    *ID_COLUMNS[:7],
    "法定代表人",
    "证件类型",
    "证件号码",
    "处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "暂扣或吊销证照名称及编号",
    "罚款金额(万元)",
    "处罚决定日期",
    "处罚机关",
    "数据来源单位",
    "备注",
]
AS_OF = "2025-06-30"


def _row(i: int, **cells: str) -> dict[str, str]:
    base = {
        "行政相对人名称": f"天津和平某某{i}号商贸有限公司",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": make_uscc(f"91120101MA07P{i:04d}"),
        "法定代表人": "王某某",
        "处罚决定书文号": f"津和市监罚〔2025〕{i}号",
        "违法行为类型": "无照经营",
        "违法事实": "未取得营业执照从事经营",
        "处罚依据": "《无证无照经营查处办法》",
        "处罚类别": "罚款",
        "处罚内容": "罚款2000元",
        "罚款金额(万元)": "0.2",
        "处罚决定日期": "2025-05-01",
        "处罚机关": "天津市和平区市场监督管理局",
    }
    return base | cells


def body_text(content: bytes, content_type: str) -> str:
    """What a response discloses, as text: PDFs through pdfminer, XLSX cell by cell, JSON unescaped."""
    if content[:5] == b"%PDF-":
        from pdfminer.high_level import extract_text

        return extract_text(io.BytesIO(content))
    if content[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content))
        return "\n".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value)
    text = content.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        return json.dumps(json.loads(text), ensure_ascii=False)
    return text


@pytest.fixture
def planted(tmp_path):
    ids: dict[str, str] = {}
    rows = []
    for i, column in enumerate([*ID_COLUMNS, *TEXT_COLUMNS], start=1):
        cid = make_citizen_id(f"120101{1960 + i}0{(i % 9) + 1}1{i:01d}{i % 10}{i % 7}".ljust(17, "3")[:17])
        ids[column] = cid
        if column in ID_COLUMNS:
            cells = {column: cid}
            if column == "行政相对人代码_1(统一社会信用代码)":
                cells["行政相对人类别"] = ""  # no category: the number is a person's (issue 10, case 4)
            if column == "证件号码":
                cells["证件类型"] = "居民身份证"
        elif column == "行政相对人名称":
            cells = {column: f"天津和平某某{i}号商贸有限公司（负责人身份证{cid}）"}
        elif column == "法定代表人":
            cells = {column: cid}  # an ID typed into the name column
        else:
            cells = {column: f"当事人身份证号{cid}，联系电话13812345678"}
        rows.append(_row(i, **cells))
    path = tmp_path / "planted.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    engine = make_engine(url)
    result = ingest_file(engine=engine, path=path, source="和平区市场监管局")
    assert result.rejected == 0 and result.accepted == len(rows)
    with Session(engine) as s:
        subject_ids = list(s.scalars(select(Subject.id)))
    headers = bearer_headers(engine, {"bank": OFFICIALS["bank"], "hexi": OFFICIALS["hexi"]})
    with app_client(url) as client:
        yield client, headers, ids, subject_ids
    engine.dispose()


def test_no_public_surface_shows_a_planted_citizen_id(planted):
    client, headers, ids, subject_ids = planted
    api = [
        c.original_route
        for c in iter_route_contexts(client.app.routes)
        if isinstance(c.original_route, APIRoute)
    ]
    routes = sorted(
        {r.path for r in api if "GET" in r.methods and set(re.findall(r"{(\w+)}", r.path)) <= {"subject_id"}}
    )
    assert any("{subject_id}" in p for p in routes)
    checked, seen = 0, []
    for viewer in ({}, headers["bank"], headers["hexi"]):
        for path in routes:
            for sid in subject_ids if "{subject_id}" in path else [None]:
                url = path.replace("{subject_id}", sid) if sid else path
                r = client.get(
                    url, params={"as_of": AS_OF, "q": "商贸"}, headers=viewer, follow_redirects=False
                )
                if r.status_code != 200:
                    continue
                checked += 1
                text = body_text(r.content, r.headers.get("content-type", ""))
                seen.append(text)
                leaked = [col for col, cid in ids.items() if cid in text or cid.lower() in text]
                assert not leaked, (url, viewer and "viewer", leaked)
    assert checked > 20  # the card, the archive (JSON, CSV, XLSX, PDF), search … were really read
    # the planted facts were really shown — masked (division code and last four kept)
    fact = ids["违法事实"]
    assert any(fact[:6] + "*" * 8 + fact[-4:] in t for t in seen)
