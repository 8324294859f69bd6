"""Benefits with reasons (scenarios/*.yaml): who is served, the seed's rules (河北 C+/A-B/B+, 静海 ≥ 700,
西青 policies by chain), refusals naming failed facts and the repair date, the exclusion of
serious-dishonesty subjects, recorded benefit use, and bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpers.world import add_record, add_subject
from xinyong.evaluation.service import evaluate_subject
from xinyong.incentives import service
from xinyong.incentives.errors import IncentiveError
from xinyong.incentives.models import BenefitUse
from xinyong.incentives.scenarios import ScenarioError, compile_expression, load_file, load_scenarios

AS_OF = dt.date(2025, 6, 1)
HEBEI = {"district": "120105", "pilot": "hebei_italian_style_town", "attributes": {"role": "yifeng_subject"}}
# The seed's 河北 rules, written out from its text: C and above → 承诺制+容缺受理; A/B → 云服务/上门服务;
# B and above → no separate inspection.
HEBEI_RULE = {
    "hebei_tolerant_acceptance": {"A", "B", "C"},
    "hebei_cloud_onsite_service": {"A", "B"},
    "hebei_no_separate_inspection": {"A", "B"},
}


@pytest.fixture
def world(engine):
    with Session(engine) as s, s.begin():
        add_subject(s, "H_BAD", **HEBEI)  # general 2025-03-01 + serious 2025-04-01
        add_record(s, "p1", "H_BAD", "penalty", dt.date(2025, 3, 1), severity="general")
        add_record(s, "p2", "H_BAD", "penalty", dt.date(2025, 4, 1), severity="serious")
        add_subject(s, "H_PLAIN", **HEBEI)
        add_subject(s, "H_GOOD", **HEBEI)
        for i, kind in enumerate(["honour", "honour", "commitment", "commitment"]):
            add_record(
                s,
                f"g{i}",
                "H_GOOD",
                kind,
                dt.date(2025, 1, 10),
                polarity="positive",
                fields={"status": "kept"},
            )
        add_record(
            s, "t1", "H_GOOD", "tax_grade", dt.date(2025, 4, 1), polarity="neutral", fields={"grade": "A"}
        )
        add_subject(s, "H_DEBTOR", **HEBEI)
        add_record(s, "jd", "H_DEBTOR", "judgment_debtor", dt.date(2025, 2, 1))
        add_subject(s, "PERSON", kind="person", district="120118")
        add_subject(s, "PERSON_OK", kind="person", district="120118")
        add_record(
            s,
            "pc",
            "PERSON_OK",
            "commitment",
            dt.date(2025, 5, 1),
            polarity="positive",
            fields={"status": "signed"},
        )
        add_subject(
            s, "XQ_IC", district="120111", pilot="xiqing_industrial_chains", attributes={"role": "ic_chain"}
        )
        for i, kind in enumerate(["honour", "commitment", "commitment"]):
            add_record(
                s,
                f"x{i}",
                "XQ_IC",
                kind,
                dt.date(2025, 1, 10),
                polarity="positive",
                fields={"status": "kept"},
            )
        add_record(
            s, "xt", "XQ_IC", "tax_grade", dt.date(2025, 4, 1), polarity="neutral", fields={"grade": "A"}
        )
    return engine


def _ids(rows: list[dict]) -> set[str]:
    return {r["scenario"] for r in rows}


def test_hebei_tiers_follow_the_seed_rule_for_every_grade(world):
    with Session(world) as s:
        grades = set()
        for sid in ("H_BAD", "H_PLAIN", "H_GOOD"):
            grade = evaluate_subject(s, subject_id=sid, model_id="city_enterprise", as_of=AS_OF)["grade"]
            grades.add(grade)
            out = service.benefits(s, subject_id=sid, as_of=AS_OF)
            expected = {sc for sc, ok in HEBEI_RULE.items() if grade in ok}
            got = _ids(out["granted"]) & set(HEBEI_RULE)
            assert got == expected, (sid, grade)
            assert _ids(out["refused"]) & set(HEBEI_RULE) == set(HEBEI_RULE) - expected
            # scope: a 河北 firm is never offered 静海's or 北辰's scenarios
            listed = _ids(out["granted"]) | _ids(out["refused"])
            assert all(x.startswith("hebei_") for x in listed)
        assert len(grades) >= 2  # the fixture covers more than one tier


def test_a_refusal_names_the_failed_fact_and_the_repair_date(world):
    with Session(world) as s:
        out = service.benefits(s, subject_id="H_BAD", as_of=AS_OF)
    refusal = next(r for r in out["refused"] if r["scenario"] == "hebei_no_separate_inspection")
    assert refusal["reasons"][0]["condition"] == "grade_b_or_above"
    assert refusal["reasons"][0]["facts"]["grade.city_enterprise"] not in ("A", "B")
    # By hand from catalogue/repair/ndrc_order_58.yaml (minimum 3 months for every severity) and Civil Code
    # Art. 201-202: decided 2025-03-01 → the period runs 03-02 … 06-01 → first repairable day 2025-06-02;
    # decided 2025-04-01 → 04-02 … 07-01 → 2025-07-02.
    repairs = {w["record_id"]: w["on"] for w in refusal["would_qualify_if"] if w["kind"] == "repair"}
    assert repairs == {"p1": "2025-06-02", "p2": "2025-07-02"}
    en = " ".join(w["en"] for w in refusal["would_qualify_if"])
    assert "a penalty of 2025-03-01 becomes repairable on 2025-06-02" in en


def test_serious_dishonesty_gets_nothing(world):
    with Session(world) as s:
        out = service.benefits(s, subject_id="H_DEBTOR", as_of=AS_OF)
    assert out["granted"] == [] and out["excluded"]
    assert _ids(out["refused"]) == {sc.id for sc in load_scenarios() if sc.id.startswith("hebei_")}
    assert all(r["reasons"][0]["condition"] == "excluded" for r in out["refused"])


def test_jinghai_discount_at_700_and_what_raises_the_score(world):
    with Session(world) as s:
        plain = service.benefits(s, subject_id="PERSON", as_of=AS_OF)
        ok = service.benefits(s, subject_id="PERSON_OK", as_of=AS_OF)
    # docs/person-score.md: 685 without records, +30 with a signed commitment
    refusal = next(r for r in plain["refused"] if r["scenario"] == "jinghai_haihe_discount")
    assert refusal["reasons"][0]["facts"] == {"person_score": 685}
    assert any(
        w["sufficient"] and w.get("indicator") == "commitments_kept" for w in refusal["would_qualify_if"]
    )
    assert "jinghai_haihe_discount" in _ids(ok["granted"])
    assert "jinnan_xinyi_exhibition" in _ids(plain["granted"])  # 685 ≥ 600


def test_xiqing_policy_package_matches_the_chain_with_reasons(world):
    with Session(world) as s:
        grade = evaluate_subject(s, subject_id="XQ_IC", model_id="city_enterprise", as_of=AS_OF)["grade"]
        out = service.benefits(s, subject_id="XQ_IC", as_of=AS_OF)
    assert grade in ("A", "B")
    pkg = next(g for g in out["granted"] if g["scenario"] == "xiqing_policy_package")
    ids = {p["id"] for p in pkg["policies"]}
    assert "ic_support" in ids and not ids & {
        "iov_support",
        "auto_support",
        "equipment_support",
        "biomed_support",
    }
    assert {"tech_cultivation", "xinyidai_whitelist"} <= ids  # one honour, commitments signed
    assert ("talent_settlement" in ids) == (grade == "A")
    ic = next(p for p in pkg["policies"] if p["id"] == "ic_support")
    assert "集成电路产业链企业" in [r["zh"] for r in ic["reasons"]]


def test_public_view_has_no_refusals(world):
    with Session(world) as s:
        out = service.benefits(s, subject_id="H_BAD", as_of=AS_OF, with_reasons=False)
    assert "refused" not in out and "excluded" not in out


def test_unknown_subject_and_scenario(world):
    with Session(world) as s:
        with pytest.raises(IncentiveError) as e:
            service.benefits(s, subject_id="NOPE", as_of=AS_OF)
        assert e.value.status == 404
        with pytest.raises(IncentiveError) as e:
            service.benefits(s, subject_id="H_BAD", as_of=AS_OF, scenario_ids=["no_such"])
        assert "no_such" in e.value.en and e.value.zh


@pytest.mark.parametrize(
    ("expr", "needle"),
    [("grade.city_enterprise in [", "does not compile"), ("salary > 3", "unknown fact salary"), ("", "")],
)
def test_rules_that_do_not_compile(expr, needle):
    with pytest.raises(ScenarioError) as e:
        compile_expression(expr)
    assert needle in e.value.en and e.value.zh


def test_a_bad_scenario_file_is_refused_with_its_place(tmp_path: Path):
    text = Path("scenarios/120118_jinghai.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("person_score >= 700", "person_score >= "), encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_file(bad, None)
    assert "jinghai_haihe_discount.score_700" in str(e.value)
    bad.write_text(text.replace("type: discount", "type: free_lunch"), encoding="utf-8")
    with pytest.raises(ScenarioError, match="free_lunch|unknown benefit type"):
        load_file(bad, None)


def test_every_shipped_scenario_names_a_programme_scenario_of_its_district():
    from xinyong.programmes.service import programme_of

    for sc in load_scenarios():
        prog = programme_of(sc.district)
        ids = {x.id for p in ([prog.pilot] if getattr(prog, "pilot", None) else []) for x in p.scenarios}
        assert sc.programme_scenario in ids, sc.id


def test_benefit_use_is_idempotent_and_bad_input_changes_nothing(world):
    kw = dict(scenario_id="hebei_tolerant_acceptance", subject_id="H_PLAIN", actor="河北区政务服务办")
    with Session(world) as s, s.begin():
        a = service.record_benefit_use(s, idempotency_key="A-1", detail={"approval_no": "冀1"}, **kw)
        b = service.record_benefit_use(s, idempotency_key="A-1", detail={"approval_no": "other"}, **kw)
        assert a.id == b.id and b.detail == {"approval_no": "冀1"}
        for bad, field in [
            (dict(kw, scenario_id="nope", idempotency_key="B"), "scenario_id"),
            (dict(kw, subject_id="NOPE", idempotency_key="C"), "subject_id"),
            (dict(kw, idempotency_key=" "), "idempotency_key"),
            (dict(kw, actor="", idempotency_key="D"), "actor"),
            (dict(kw, subject_id="H_GOOD", idempotency_key="A-1"), "idempotency_key"),
        ]:
            with pytest.raises(IncentiveError) as e:
                service.record_benefit_use(s, **bad)
            assert e.value.field == field and e.value.zh and e.value.en
        service.record_benefit_use(s, idempotency_key="A-2", **dict(kw, subject_id="H_GOOD"))
        assert s.scalar(select(func.count(BenefitUse.id))) == 2
        stats = service.usage_stats(s, district="120105")
    assert stats["scenarios"] == [
        {
            "scenario": "hebei_tolerant_acceptance",
            "name_zh": stats["scenarios"][0]["name_zh"],
            "uses": 2,
            "subjects": 2,
        }
    ]
    assert stats["districts"]["120105"] == {"scenarios": 4, "launched": 1, "users_served": 2}


def test_the_bulk_path_agrees_with_one_subject_at_a_time(world, tmp_path):
    """benefits_many (rules.evaluate_many, DuckDB) vs benefits (CEL per subject) on the same store, once
    the grades are stored (the bulk path reads stored runs)."""
    from xinyong.evaluation.service import evaluate
    from xinyong.incentives.bulk import benefits_many

    for model in ("city_enterprise", "person_haihe"):
        evaluate(world, model_id=model, as_of=AS_OF, snapshot_dir=tmp_path / "snap")
    subjects = ["H_BAD", "H_PLAIN", "H_GOOD", "H_DEBTOR", "PERSON", "PERSON_OK"]  # no policy package here
    bulk = benefits_many(world, as_of=AS_OF, subject_ids=subjects)
    with Session(world) as s:
        for sid in subjects:
            one = _ids(service.benefits(s, subject_id=sid, as_of=AS_OF, with_reasons=False)["granted"])
            assert one == {sc for sc, got in bulk.items() if sid in got}, sid


def test_the_public_card_and_the_archive_show_granted_benefits(world):
    """The card lists the granted scenarios (the seed's 河北 tiers by the subject's grade) and links to the
    benefits page; no refusal and no reason for one reaches the card. The archive links officers to the
    page with the reasons."""
    from xinyong.disclosure.policy import Viewer
    from xinyong.incentives.scenarios import get_scenario
    from xinyong.incentives.sections import archive_section
    from xinyong.public.service import build_card
    from xinyong.subjects.models import Subject

    officer = Viewer(role="district_officer", district_code="120105", user_id="1")
    for sid in ("H_GOOD", "H_BAD"):
        with Session(world) as s:
            grade = evaluate_subject(s, subject_id=sid, model_id="city_enterprise", as_of=AS_OF)["grade"]
            block = archive_section(s, subject=s.get(Subject, sid), as_of=AS_OF, viewer=officer)
        expected = {get_scenario(sc).name_zh for sc, ok in HEBEI_RULE.items() if grade in ok}
        with world.connect() as conn:
            card = build_card(conn, subject_id=sid, as_of=AS_OF)
        shown = [b for b in card.sections if b["id"] == "benefits"]
        names = {it["label"] for b in shown for it in b["items"]}
        assert {n for n in names if n in {get_scenario(x).name_zh for x in HEBEI_RULE}} == expected, (
            sid,
            grade,
        )
        assert all(b["href"] == f"/c/{sid}/benefits" for b in shown)
        assert block is not None and block["href"].startswith(f"/benefits/{sid}")


def test_the_cli_withholds_a_persons_score_gated_scenarios(world, db_url, monkeypatch):
    """`xinyong benefits` runs as the operator, who may not read a person's score: 静海's ≥ 700 refusal
    (with the score 685 among its facts) and 津南's ≥ 600 grant are withheld, as on the API."""
    from typer.testing import CliRunner

    from xinyong.cli import app

    monkeypatch.setenv("XINYONG_DATABASE_URL", db_url)
    res = CliRunner().invoke(app, ["benefits", "PERSON", "--as-of", AS_OF.isoformat(), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    shown = _ids(out["granted"]) | _ids(out["refused"])
    assert not shown & {"jinghai_haihe_discount", "jinnan_xinyi_exhibition"}
    assert out["withheld"] == 2 and "685" not in res.output and "person_score" not in res.output
    text = CliRunner().invoke(app, ["benefits", "PERSON", "--as-of", AS_OF.isoformat()])
    assert text.exit_code == 0 and "2 scenario(s) decided by the person's score withheld" in text.output
    # a firm's refusal reasons are still shown to the operator
    firm = CliRunner().invoke(app, ["benefits", "H_BAD", "--as-of", AS_OF.isoformat(), "--json"])
    assert json.loads(firm.output)["refused"] and json.loads(firm.output)["withheld"] == 0
