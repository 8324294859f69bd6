"""Public card (/c/{id}), QR codes, registry search and pilot sticker sheets."""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdfminer.high_level import extract_text

from helpers.http import app_client
from xinyong.public.qr import qr_png, qr_svg

AS_OF = "2025-06-30"


def test_card_shows_public_positive_and_negative_records_masked(credit_client, credit_world):
    client, _ = credit_client
    r = client.get(f"/c/{credit_world.shop}", params={"as_of": AS_OF})
    assert r.status_code == 200
    html = r.text
    assert "天津海信广场示范餐饮有限公司" in html and credit_world.uscc_shop in html
    assert "诚信示范商户" in html and "诚信经营承诺" in html  # honour and commitment
    assert "罚款" in html and "张*明" in html and "张小明" not in html
    assert "津和市监罚〔2023〕9号" not in html and "警告" not in html  # publicity over
    assert "退款纠纷" not in html and "未发现问题" not in html  # authorised / government levels
    assert "津和市监罚〔2025〕88号" not in html  # decided after the as-of date


def test_card_is_public_whoever_is_logged_in(credit_client, credit_world):
    client, auth = credit_client
    html = client.get(f"/c/{credit_world.shop}", params={"as_of": AS_OF}, headers=auth["admin"]).text
    assert "张小明" not in html and "未发现问题" not in html


def test_card_without_negative_records_says_so(credit_client, credit_world):
    client, _ = credit_client
    html = client.get(f"/c/{credit_world.hexi}", params={"as_of": AS_OF}).text
    assert 'id="no-negative"' in html and "楼宇诚信企业" in html


def test_qr_codes_point_at_the_card(credit_client, credit_world):
    client, _ = credit_client
    svg = client.get(f"/c/{credit_world.shop}/qr.svg")
    png = client.get(f"/c/{credit_world.shop}/qr.png")
    url = f"http://127.0.0.1:8000/c/{credit_world.shop}"  # the configured host:port, never the Host header
    assert svg.headers["content-type"].startswith("image/svg+xml") and svg.content == qr_svg(url)
    assert png.headers["content-type"] == "image/png" and png.content == qr_png(url)
    assert png.content.startswith(b"\x89PNG") and b"<svg" in svg.content


def test_configured_public_base_url_is_printed(credit_world):

    with app_client(credit_world.url, public_base_url="https://xy.example.gov.cn/") as client:
        html = client.get(f"/c/{credit_world.shop}").text
        png = client.get(f"/c/{credit_world.shop}/qr.png").content
    assert f"https://xy.example.gov.cn/c/{credit_world.shop}" in html
    assert png == qr_png(f"https://xy.example.gov.cn/c/{credit_world.shop}")


def test_public_search_by_name_and_code_never_lists_persons(credit_client, credit_world):
    client, _ = credit_client
    html = client.get("/public", params={"q": "示范"}).text
    assert "天津海信广场示范餐饮有限公司" in html and "网信大厦示范科技有限公司" in html
    none = client.get("/public", params={"q": "王大锤"}).text
    assert f"/c/{credit_world.person}" not in none and "未找到" in none
    assert "至少2个字符" in client.get("/public", params={"q": "王"}).text
    api = client.get("/api/v1/public/search", params={"q": credit_world.uscc_shop}).json()
    assert [i["id"] for i in api["items"]] == [credit_world.shop]
    assert client.get("/api/v1/public/search", params={"q": "王"}).status_code == 422
    assert client.get("/api/v1/public/search", params={"q": "王大锤"}).json()["total"] == 0


def _pdf_text(content: bytes) -> str:
    return "".join(extract_text(io.BytesIO(content)).split())


def test_qr_sheet_for_pilot_roster(credit_client, credit_world):
    client, auth = credit_client
    r = client.get(f"/api/v1/pilots/{credit_world.pilot}/qr-sheet.pdf", headers=auth["heping"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = _pdf_text(r.content)
    assert "天津海信广场示范餐饮有限公司" in text and '<script>alert("x")</script>小店' in text
    assert f"/c/{credit_world.shop}" in text and f"/c/{credit_world.xss}" in text
    assert "扫码查信用" in text and "网信大厦" not in text


def test_qr_sheet_access(credit_client, credit_world):
    client, auth = credit_client
    url = f"/api/v1/pilots/{credit_world.pilot}/qr-sheet.pdf"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth["bank"]).status_code == 403
    assert client.get(url, headers=auth["hexi"]).status_code == 404  # another district's roster
    assert client.get(url, headers=auth["admin"]).status_code == 200
    missing = client.get("/api/v1/pilots/no_such_pilot/qr-sheet.pdf", headers=auth["admin"])
    assert missing.status_code == 404 and "no_such_pilot" in missing.json()["detail"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(as_of=st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2029, 12, 31)))
def test_card_fast_path_agrees_with_the_public_archive(credit_world, as_of):
    """The card's own SQL path and build_archive(PUBLIC) are one policy: same records, any date."""
    from xinyong.archive.service import build_archive
    from xinyong.disclosure.policy import PUBLIC
    from xinyong.public.service import POSITIVE_KINDS, build_card
    from xinyong.store.db import session_scope

    for sid in (credit_world.shop, credit_world.hexi, credit_world.xss):
        with session_scope(credit_world.engine) as s:
            archive = build_archive(s, subject_id=sid, as_of=as_of, viewer=PUBLIC)
            card = build_card(s.connection(), subject_id=sid, as_of=as_of)
        records = [r for g in archive.groups for r in g.records]
        assert {r.id for r in card.negative} == {r.id for r in records if r.polarity == "negative"}
        assert {r.id for r in card.positive} == {r.id for r in records if r.kind in POSITIVE_KINDS}
        assert card.subject["legal_rep"] == archive.subject.legal_rep


def test_card_marks_objections_and_drops_repaired_records(credit_world):
    """A record under objection stays on the card marked 异议中; a repaired one leaves it from its
    effective date. Built in one transaction that is rolled back (the world is shared)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from xinyong.public.service import build_card
    from xinyong.records.models import Record
    from xinyong.status.service import change_status

    w = credit_world
    as_of = dt.date.fromisoformat(AS_OF)
    with w.engine.connect() as conn:
        s = Session(bind=conn)
        ids = dict(
            s.execute(select(Record.source_record_id, Record.id).where(Record.subject_id == w.shop)).all()
        )
        change_status(
            s,
            record_id=ids["P-ACTIVE"],
            event="objection_opened",
            actor="shop",
            reason="异议",
            effective_on=dt.date(2025, 6, 1),
        )
        change_status(
            s,
            record_id=ids["H-1"],
            event="revoked",
            actor="和平区诚信办",
            reason="撤销荣誉",
            effective_on=as_of,
        )
        card = build_card(conn, subject_id=w.shop, as_of=as_of, with_grades=False)
        before = build_card(conn, subject_id=w.shop, as_of=as_of - dt.timedelta(days=1), with_grades=False)
        s.rollback()
    negative = {r.id: (r.status, r.status_zh) for r in card.negative}
    assert negative[ids["P-ACTIVE"]] == ("objection", "异议中")
    assert ids["H-1"] not in {r.id for r in card.positive}
    assert ids["H-1"] in {r.id for r in before.positive}
    assert {r.status for r in before.positive} == {"active"}


def test_card_page_shows_the_objection_mark(credit_client, credit_world):
    from sqlalchemy import select

    from xinyong.records.models import Record
    from xinyong.status.models import StatusEvent
    from xinyong.status.service import change_status
    from xinyong.store.db import session_scope

    client, _ = credit_client
    with session_scope(credit_world.engine) as s:
        rid = s.scalar(select(Record.id).where(Record.source_record_id == "X-1"))
        change_status(
            s,
            record_id=rid,
            event="objection_opened",
            actor="x",
            reason="异议",
            effective_on=dt.date(2025, 6, 1),
        )
    try:
        html = client.get(f"/c/{credit_world.xss}", params={"as_of": AS_OF}).text
        assert 'data-status="objection"' in html and "异议中" in html
    finally:
        with session_scope(credit_world.engine) as s:  # the world is shared: take the event back out
            s.query(StatusEvent).filter(StatusEvent.record_id == rid).delete()
