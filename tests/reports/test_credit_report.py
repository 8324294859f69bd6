"""The PDF credit report: Chinese text extracts correctly, content follows the viewer's level,
the number verifies, and untrusted text stays text."""

from __future__ import annotations

import io

import pytest
from pdfminer.high_level import extract_text

AS_OF = "2025-06-30"


def _text(pdf: bytes) -> str:
    # pdfminer maps the STSong-Light CID codes back through the UniGB-UCS2-H CMap to Unicode.
    return "".join(extract_text(io.BytesIO(pdf)).split())


def _report(client, sid, headers=None, as_of=AS_OF):
    r = client.get(f"/api/v1/subjects/{sid}/report.pdf", params={"as_of": as_of}, headers=headers or {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    return r


def test_full_report_has_chinese_identity_sections_and_number(credit_client, credit_world):
    client, auth = credit_client
    r = _report(client, credit_world.shop, auth["heping"])
    text = _text(r.content)
    number = r.headers["X-Report-Number"]
    assert "信用报告" in text and "天津海信广场示范餐饮有限公司" in text and credit_world.uscc_shop in text
    assert "张小明" in text and "行政处罚" in text and "诚信示范商户" in text and "守信激励信息" in text
    assert number.startswith("XYR-20250630-") and number in text and "核验" in text
    assert "投诉举报" in text and "退款纠纷" in text  # authorised complaint: the own district sees it
    assert "合格" in text  # government-level inspection (its result 未发现问题 printed as its label, 合格)


def test_public_report_leaves_out_non_public_and_masks(credit_client, credit_world):
    client, _ = credit_client
    text = _text(_report(client, credit_world.shop).content)
    assert "张*明" in text and "张小明" not in text
    assert "合格" not in text and "未发现问题" not in text and "退款纠纷" not in text
    assert "津和市监罚〔2023〕9号" not in text  # expired publicity: not public any more
    assert "津和市监罚〔2025〕1号" in text


def test_a_genuine_report_verifies_for_anyone_holding_it(credit_client, credit_world):
    client, auth = credit_client
    number = _report(client, credit_world.shop, auth["heping"]).headers["X-Report-Number"]
    params = {"subject_id": credit_world.shop, "as_of": AS_OF, "number": number}
    ok = client.get("/api/v1/reports/verify", params=params, headers=auth["heping"]).json()
    assert ok["valid"] is True and ok["status"] == "valid" and ok["number"] == number
    assert ok["changed_since_issue"] is False
    # The public holding a full-view report can confirm it too (the register, not a rebuild at its level).
    public = client.get("/api/v1/reports/verify", params={"number": number}).json()
    assert public["valid"] is True and public["view"] == ok["view"] != "public"
    assert public["subject_id"] == credit_world.shop and public["as_of"] == AS_OF
    # Another date than the report's, a forged number, an altered digit: no.
    later = client.get("/api/v1/reports/verify", params={**params, "as_of": "2025-07-01"}).json()
    assert later["valid"] is False and later["status"] == "mismatch"
    forged = client.get("/api/v1/reports/verify", params={"number": "XYR-20250630-000000000000"}).json()
    assert forged["valid"] is False and forged["status"] == "unknown"
    altered = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert client.get("/api/v1/reports/verify", params={"number": altered}).json()["status"] == "unknown"


def test_untrusted_markup_is_printed_literally(credit_client, credit_world):
    client, auth = credit_client
    text = _text(_report(client, credit_world.xss, auth["heping"]).content)
    assert '<script>alert("x")</script>小店' in text and "<b>罚款</b>" in text
    assert '=HYPERLINK("http://evil","x")' in text


@pytest.mark.parametrize("as_of", ["2025-02-30", "yesterday"])
def test_bad_date_is_422(credit_client, credit_world, as_of):
    client, _ = credit_client
    r = client.get(f"/api/v1/subjects/{credit_world.shop}/report.pdf", params={"as_of": as_of})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "as_of"


def test_report_is_logged_for_officers(credit_client, credit_world):
    from sqlalchemy import select

    from xinyong.accounts.models import AccessLog
    from xinyong.store.db import session_scope

    client, auth = credit_client
    _report(client, credit_world.shop, auth["bank"])
    _report(client, credit_world.shop)
    with session_scope(credit_world.engine) as s:
        rows = [(r.username, r.surface) for r in s.scalars(select(AccessLog))]
    assert rows == [("bank", "api:report")]
