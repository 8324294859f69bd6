"""Tiers from the shipped schemes (和平, 河北, 武清) with reasons; saved versions; the archive hook.

Expected tiers are read off the scheme texts and the model bands by hand: a clean enterprise scores
78 under city_enterprise (B: 70–85); a 武清 venue starts at 80 under wuqing_fire_safety: one passed fire
inspection adds 8 (88, B: 75–90), two add 15 (95, A ≥ 90), one failed takes 25 (55, D < 60).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import PUBLIC, Viewer
from xinyong.evaluation.service import evaluate
from xinyong.ingest.service import ingest_rows
from xinyong.subjects.identifiers import make_uscc
from xinyong.subjects.models import Subject
from xinyong.subjects.service import upsert_subjects
from xinyong.supervision import service

AS_OF = dt.date(2026, 10, 31)


def _u(district: str, n: int) -> str:
    return make_uscc(f"91{district}MA{n:07d}")


@pytest.fixture
def world(engine, tmp_path):
    rows = [
        dict(
            kind="enterprise",
            name="和平商户",
            uscc=_u("120101", 1),
            district_code="120101",
            pilot="heping_hisense_plaza",
        ),
        dict(kind="enterprise", name="意风区餐厅", uscc=_u("120105", 2), district_code="120105"),
        dict(
            kind="enterprise",
            name="武清养老院",
            uscc=_u("120114", 3),
            district_code="120114",
            attributes={"venue_type": "养老院"},
        ),
        dict(
            kind="enterprise",
            name="武清网吧",
            uscc=_u("120114", 4),
            district_code="120114",
            attributes={"venue_type": "网吧"},
        ),
        dict(
            kind="enterprise",
            name="武清学校",
            uscc=_u("120114", 5),
            district_code="120114",
            attributes={"venue_type": "学校"},
        ),
    ]
    with Session(engine) as s, s.begin():
        ids = upsert_subjects(s, rows)

    def fire(n: int, result: str, day: dt.date) -> dict:
        return dict(
            subject_name=rows[n]["name"],
            uscc=rows[n]["uscc"],
            inspection_no=f"F{n}{day}",
            inspection_type="fire",
            inspection_date=day,
            inspector_org="区消防救援支队",
            result=result,
        )

    ingest_rows(
        engine=engine,
        rows=[
            fire(2, "passed", dt.date(2026, 4, 1)),
            fire(3, "passed", dt.date(2026, 3, 1)),
            fire(3, "passed", dt.date(2026, 6, 1)),
            fire(4, "failed", dt.date(2026, 5, 1)),
        ],
        source="区消防救援支队",
        kind="inspection",
    )
    for model in ("city_enterprise", "wuqing_fire_safety"):
        evaluate(engine, model_id=model, as_of=AS_OF, engine_name="python", snapshot_dir=tmp_path / "snap")
    return ids


def _tiers(engine, sid):
    with Session(engine) as s:
        return {d.scheme_id: d for d in service.tiers_of_subject(s, subject=s.get(Subject, sid), as_of=AS_OF)}


def test_tiers_and_reasons(engine, world):
    heping, hebei, nursing, cafe, school = world
    t = _tiers(engine, heping)["heping_mall"]
    assert (t.tier, t.ratio_bp, t.grade) == ("good", 200, "B")
    assert "评价等级 B" in t.reason_zh and "抽查比例 2%" in t.reason_zh
    t = _tiers(engine, hebei)["hebei_yifeng"]
    assert (t.tier, t.per_year, t.exempt_except) == ("exempt", 0, ("special",))
    assert "不再单独检查（special 除外）" in t.reason_zh
    assert _tiers(engine, nursing)["wuqing_fire"].tier == "nursing_home"  # B, 养老院
    assert _tiers(engine, cafe)["wuqing_fire"].tier == "low_risk"  # A (95)
    school_tier = _tiers(engine, school)["wuqing_fire"]
    assert (school_tier.tier, school_tier.grade) == ("high_risk", "D")  # 55
    assert "场所类型" not in school_tier.reason_zh  # decided by grade alone


def test_archive_shows_tier_to_officers_not_public(engine, world):
    from xinyong.archive.service import build_archive

    officer = Viewer(role="district_officer", district_code="120101", user_id="1", username="heping")
    with Session(engine) as s:
        mine = build_archive(s, subject_id=world[0], as_of=AS_OF, viewer=officer)
        public = build_archive(s, subject_id=world[0], as_of=AS_OF, viewer=PUBLIC)
    [section] = [sec for sec in mine.sections if sec.id == "supervision"]  # other domains add blocks too
    assert section.items[0].value == "信用良好（A/B）"
    assert [sec for sec in public.sections if sec.id == "supervision"] == []


def test_saved_version_wins_and_bad_schemes_are_refused(engine, world):
    text = service.scheme_text(Session(engine), "heping_mall").replace("ratio_bp: 200", "ratio_bp: 100")
    with Session(engine) as s, s.begin():
        with pytest.raises(service.SchemeError, match="reason"):
            service.save_scheme(s, text=text, actor="heping", reason=" ")
        with pytest.raises(service.SchemeError, match="120105"):
            service.save_scheme(s, text=text, actor="hebei", reason="x", district_code="120105")
        service.save_scheme(s, text=text, actor="heping", reason="2026 年降低比例", district_code="120101")
    assert _tiers(engine, world[0])["heping_mall"].ratio_bp == 100
    for bad, word in (
        (text.replace("ratio_bp: 100", "ratio_bp: 20000"), "tiers.0.ratio_bp"),
        (
            text.replace("population: '\"heping_hisense_plaza\" in pilots'", "population: 'nope_fact == 1'"),
            "population",
        ),
        (
            text.replace(
                "- {id: ungraded, name_zh: 未评价, name_en: Not graded, ratio_bp: 500, per_year: 1}", ""
            ),
            "last tier",
        ),
        ("a: [", "YAML"),
    ):
        with Session(engine) as s, pytest.raises(service.SchemeError, match=word):
            service.save_scheme(s, text=bad, actor="heping", reason="x")
    with Session(engine) as s:
        assert len(service.scheme_versions(s, "heping_mall")) == 1


def test_a_scheme_may_not_tier_by_a_persons_score(engine):
    """Tiers are an officer's decision: a scheme graded by a personal model (`person_haihe`, a person's
    score) or with a CEL text reading a person's score is refused, naming the field and the fact."""
    text = service.scheme_text(Session(engine), "heping_mall")
    for bad, where, fact in (
        (text.replace("model: city_enterprise", "model: person_haihe"), "model", 'grade["person_haihe"]'),
        (
            text.replace(
                "population: '\"heping_hisense_plaza\" in pilots'", "population: 'person.score >= 0'"
            ),
            "population",
            "person.score",
        ),
    ):
        assert bad != text
        with pytest.raises(service.SchemeError) as err:
            service.parse_scheme(bad, "heping_mall.yaml")
        msg = str(err.value)
        assert f"heping_mall.yaml: {where}" in msg and fact in msg
        assert "仅本人或获本人授权者可见" in msg and "seen only by the person" in msg
    assert service.parse_scheme(text, "heping_mall.yaml").model == "city_enterprise"
