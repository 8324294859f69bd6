"""Console: the enterprise declares a need on its own page (元 → integer fen, bilingual errors, nothing
written on refusal); the bank sees the pushed subject's records by kind name and headline, and a
"contacted" after an approval keeps the approval as the state with the whole history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpers.http import app_client
from helpers.world import add_record, add_subject, bearer
from xinyong.financing import service as fin
from xinyong.financing.models import Need, Outcome


@pytest.fixture
def http(sqlite_engine, sqlite_url):

    auth = {}
    with Session(sqlite_engine) as s, s.begin():
        add_subject(s, "F1", district="120113", pilot="beichen_medical_park")
        add_record(
            s,
            "lic1",
            "F1",
            "licence",
            dt.date(2026, 3, 1),
            polarity="positive",
            fields={
                "decision_doc_name": "食品经营许可决定书",
                "project_name": "冷链仓储",
                "authority": "北辰区市场监管局",
            },
        )
        auth["bc"] = bearer(s, "beichen", "district_officer", district_code="120113")
        auth["bank"] = bearer(s, "bocom1", "bank")
        auth["f1"] = bearer(s, "f1login", "subject", subject_id="F1")
        fin.register_bank(s, bank_id="bocom", name="交通银行", usernames=["bocom1"])
    with app_client(sqlite_url) as client:
        yield client, auth


def _needs(engine) -> list[tuple[int, int, str]]:  # noqa: ANN001
    with Session(engine) as s:
        return [(n.amount_fen, n.term_months, n.purpose) for n in s.scalars(select(Need).order_by(Need.id))]


@pytest.mark.parametrize(
    ("amount", "term", "purpose", "field", "zh", "en"),
    [
        (
            "100.001",
            "12",
            "扩产",
            "amount",
            "金额不能有不足 1 分的部分：100.001 元",
            "amount has a fraction of a fen",
        ),
        (
            "-5.20",
            "12",
            "扩产",
            "amount",
            "金额必须大于 0：-5.20 元",
            "amount must be greater than 0: -5.20 yuan",
        ),
        ("0", "12", "扩产", "amount", "金额必须大于 0：0 元", "amount must be greater than 0"),
        ("12万", "12", "扩产", "amount", "金额格式错误", "malformed amount"),
        # Decimal('1e999999') * 100 overflows the default decimal context: once a 500, now refused
        ("1e999999", "12", "扩产", "amount", "金额过大：1e999999 元", "amount too large: 1e999999 yuan"),
        ("1000000000000.01", "12", "扩产", "amount", "金额过大", "amount too large"),  # MAX_FEN + 1 fen
        ("", "12", "扩产", "amount", "请填写金额", "enter the amount"),
        ("1000", "0", "扩产", "term_months", "期限须为1–360个月的整数", "term must be 1..360 months"),
        ("1000", "一年", "扩产", "term_months", "期限须为1–360个月的整数", "term must be 1..360 months"),
        (
            "1000",
            "²",
            "扩产",
            "term_months",
            "期限须为1–360个月的整数",
            "term must be 1..360 months",
        ),  # was a 500
        ("1000", "12", "  ", "purpose", "用途必填", "purpose is required"),
    ],
)
def test_bad_need_form_says_why_in_both_languages_and_writes_nothing(
    http, sqlite_engine, amount, term, purpose, field, zh, en
):
    client, auth = http
    r = client.post(
        "/my/financing",
        data={"amount_yuan": amount, "term_months": term, "purpose": purpose, "key": "k1"},
        headers=auth["f1"],
    )
    assert r.status_code == 422
    assert zh in r.text and en in r.text and f'data-field="{field}"' in r.text
    assert f'value="{amount}"' in r.text  # what was typed is kept
    assert _needs(sqlite_engine) == []


def test_declare_push_approve_then_contact_keeps_the_approval(http, sqlite_engine):
    client, auth = http
    r = client.post(
        "/my/financing",
        data={"amount_yuan": "1500000.05", "term_months": "36", "purpose": "冷链扩产", "key": "k1"},
        headers=auth["f1"],
        follow_redirects=False,
    )
    assert r.status_code == 303
    # the same form posted twice (same key) is one need; 1,500,000.05 元 = 150,000,005 fen
    client.post(
        "/my/financing",
        data={"amount_yuan": "1500000.05", "term_months": "36", "purpose": "冷链扩产", "key": "k1"},
        headers=auth["f1"],
    )
    assert _needs(sqlite_engine) == [(150_000_005, 36, "冷链扩产")]
    page = client.get("/my/financing", headers=auth["f1"])
    assert page.status_code == 200 and "1500000.05 元" in page.text and "待银行对接" in page.text
    assert client.get("/my/financing", headers=auth["bank"]).status_code == 403
    # the district office builds the whitelist and pushes it to the bank
    body = {"whitelist_id": "bc1", "name": "北辰", "rule": "!judgment_debtor", "as_of": "2026-06-30"}
    assert client.post("/api/v1/financing/whitelists", json=body, headers=auth["bc"]).status_code == 201
    url = "/api/v1/financing/whitelists/bc1"
    client.post(f"{url}/review", json={"subject_id": "F1", "approve": True}, headers=auth["bc"])
    assert client.post(f"{url}/push", json={"bank_id": "bocom"}, headers=auth["bc"]).json()["pushed"] == [
        "F1"
    ]
    with Session(sqlite_engine) as s:
        need_id = s.scalar(select(Need.id))
    for form in (
        {"event": "approved", "amount_yuan": "1200000", "rate_bp": "385"},
        {"event": "contacted"},  # a follow-up call after the approval
    ):
        r = client.post(
            "/bank/outcomes",
            data={"need_id": str(need_id), **form},
            headers=auth["bank"],
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        # the confirmation names the outcome in Chinese, not only by its code
        shown = client.get(r.headers["location"], headers=auth["bank"]).text
        ok = shown.split('id="ok">')[1].split("</p>")[0]
        assert (
            ok
            == {
                "approved": "已登记：已授信 / recorded: approved",
                "contacted": "已登记：已对接 / recorded: contacted",
            }[form["event"]]
        )
    with Session(sqlite_engine) as s:
        assert [o.event for o in s.scalars(select(Outcome).order_by(Outcome.id))] == ["approved", "contacted"]
        assert s.scalar(select(func.count(Outcome.id))) == 2
    view = client.get("/bank/subjects/F1", headers=auth["bank"])
    assert view.status_code == 200
    state = view.text.split('class="state">')[1].split("</strong>")[0]
    assert "已授信" in state and "1200000.00 元" in state and "385 bp" in state
    history = view.text.split('class="history">')[1].split("</ol>")[0]
    assert history.index("已授信") < history.index("已对接")
    # records by kind name and headline, not "licence · public"
    records = view.text.split('id="records"')[1].split("</table>")[0]
    assert "行政许可" in records and "食品经营许可决定书" in records and "社会公开" in records
    workbench = client.get("/bank", headers=auth["bank"])
    assert "已授信 1200000.00 元" in workbench.text
    heading = workbench.text.split("<h1>")[1].split("</h1>")[0]
    assert "交通银行" in heading  # the bank's name, registered above, not only its code
    mine = client.get("/my/financing", headers=auth["f1"])
    assert "交通银行：<strong>已授信</strong>" in mine.text
    figures = client.get(
        "/api/v1/financing/figures", params={"pilot": "beichen_medical_park"}, headers=auth["bc"]
    )
    assert figures.json()["granted_fen"] == 120_000_000


def test_yuan_messages():
    from xinyong.incentives.errors import IncentiveError

    for text, zh in (
        ("100.001", "金额不能有不足 1 分的部分：100.001 元"),
        ("-3", "金额必须大于 0：-3 元"),
        ("100.0010", "金额不能有不足 1 分的部分：100.0010 元"),
    ):
        with pytest.raises(IncentiveError) as e:
            fin.parse_yuan(text)
        assert e.value.zh == zh
    assert fin.parse_yuan("100.010") == 10001  # trailing zeros are not a fraction of a fen


def test_a_whitelist_rule_may_not_read_the_person_score(http, sqlite_engine):
    client, auth = http
    for rule in (
        "person_score >= 700",
        "grade.person_haihe == 'A'",
        "score.person_haihe > 600 && !judgment_debtor",
    ):
        body = {"whitelist_id": "bc2", "name": "x", "rule": rule, "as_of": "2026-06-30"}
        r = client.post("/api/v1/financing/whitelists", json=body, headers=auth["bc"])
        assert r.status_code == 422 and "个人信用积分" in r.json()["detail"]["zh"], rule
    from xinyong.financing.models import Whitelist

    with Session(sqlite_engine) as s:
        assert s.scalar(select(func.count()).select_from(Whitelist)) == 0
