"""Draws end to end on SQLite and PostgreSQL: commit → run → reveal → replay → results → grade."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json

import pytest
from draw_world import AS_OF, DEPT, NOW
from sqlalchemy.orm import Session

from xinyong.draws import service
from xinyong.ledger.service import read_leaves


def _plan(s, **kw):
    args = dict(
        plan_id="hp-2026",
        district_code="120101",
        department=DEPT,
        name="2026年商场双随机抽查",
        items="营业执照公示、明码标价",
        scheme_id="heping_mall",
        inspectors_per_target=2,
        actor="heping",
        ratios_bp={"good": 2000},
    )
    args.update(kw)
    return service.create_plan(s, **args, now=NOW)


def test_draw_commit_reveal_replay(world):
    secret = "11" * 32
    with Session(world.engine) as s, s.begin():
        _plan(s)
        draw = service.commit_draw(
            s, plan_id="hp-2026", as_of=AS_OF, actor="heping", now=NOW, secret_hex=secret
        )
        draw_id = draw.id
        leaf = read_leaves(s, [draw.committed_leaf])[draw.committed_leaf]
        before = service.published_document(s, draw_id)
    # the commitment, not the secret, is published before the draw
    committed = json.loads(leaf.data)
    assert committed["commitment"] == hashlib.sha256(bytes.fromhex(secret)).hexdigest()
    assert secret not in leaf.data.decode() and "secret" not in before
    assert committed["pool_digest"] == hashlib.sha256(before["pool"].encode()).hexdigest()
    # all 40 merchants are graded B (78 / 74 / 70 points): tier good at 20 % → ceil(40 × 0.2) = 8
    assert before["pool_targets"] == 40 and before["pool_inspectors"] == 6
    with Session(world.engine) as s, s.begin():
        out = service.run_draw(
            s, draw_id=draw_id, actor="heping", outside_value="福彩3D 2026290: 5 1 8", now=NOW
        )
    assert out.status == "drawn" and len(out.targets) == 8
    assert {t["tier"] for t in out.targets} == {"good"}
    for t in out.targets:
        assert len(set(t["inspectors"])) == 2
        if t["subject_id"] == world.ids[0]:
            assert "HP000" not in t["inspectors"]  # HP000 belongs to merchant 0's own unit
    with Session(world.engine) as s:
        doc = service.published_document(s, draw_id)
    assert doc["secret"] == secret and doc["outside_value"] == "福彩3D 2026290: 5 1 8"
    assert service.replay(doc)["ok"] is True
    # any change to a published input or output is caught
    for mutate in (
        lambda d: d.update(outside_value="other"),
        lambda d: d.update(secret="22" * 32),
        lambda d: d["targets"][0].update(inspectors=list(reversed(d["targets"][0]["inspectors"]))),
        lambda d: d["targets"].pop(),
        lambda d: d["plan"]["tiers"][0].update(ratio_bp=3000),
        lambda d: d.update(pool=d["pool"].replace("HP005", "HP009")),
    ):
        bad = copy.deepcopy(doc)
        mutate(bad)
        assert service.replay(bad)["ok"] is False
    with Session(world.engine) as s, pytest.raises(service.DrawError):
        service.run_draw(s, draw_id=draw_id, actor="heping", now=NOW)


def _counts(engine) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from xinyong.draws.models import Draw, DrawReveal
    from xinyong.ledger.service import tree_size

    with Session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Draw)),
            s.scalar(select(func.count()).select_from(DrawReveal)),
            tree_size(s),
        )


def test_avoidance_shortfall_is_refused_at_commit_naming_it(world):
    """6 inspectors, 6 per target, merchant 0 avoids HP000 (its own unit): 5 eligible of 6 needed,
    and at 100 % merchant 0 is sure to be drawn. Known before the seed, so refused at commit."""
    before = _counts(world.engine)
    with Session(world.engine) as s, s.begin():
        _plan(s, plan_id="hp-short", inspectors_per_target=6, ratios_bp={"good": 10000})
    with Session(world.engine) as s, pytest.raises(service.DrawError) as err:
        service.commit_draw(s, plan_id="hp-short", as_of=AS_OF, actor="heping", now=NOW)
    msg = str(err.value)
    assert (
        world.ids[0] in msg
        and "needs 6 inspectors, 5 eligible" in msg
        and "需要 6 名检查人员，可用 5 名" in msg
    )
    assert "nothing was committed, drawn or logged" in msg and "未承诺、未抽取、未记录" in msg
    assert _counts(world.engine) == before  # no draw, no reveal, no ledger leaf


def test_a_department_without_inspectors_is_refused_at_commit(world):
    """The walkthrough's case: a plan whose department has no inspectors used to commit ("0 名检查人员")
    and fail only after the seed was revealed, leaving a public failed draw."""
    before = _counts(world.engine)
    with Session(world.engine) as s, s.begin():
        _plan(s, plan_id="hp-nobody", department="和平区文化和旅游局", ratios_bp={"good": 1000})
    with Session(world.engine) as s, pytest.raises(service.DrawError) as err:
        service.commit_draw(s, plan_id="hp-nobody", as_of=AS_OF, actor="heping", now=NOW)
    # 40 merchants at 10 % → ceil(4.0) = 4 targets × 2 inspectors = 8 assignments, pool of 0
    msg = str(err.value)
    assert "检查人员名录只有 0 名，每个对象需要 2 名（共 4 个对象，需 8 人次）" in msg
    assert "the inspector pool has 0, each target needs 2 (4 targets, 8 assignments)" in msg
    assert "和平区文化和旅游局" in msg
    assert _counts(world.engine) == before


def test_a_cap_too_small_for_the_targets_is_refused_at_commit(world):
    # 40 × 20 % = 8 targets × 2 = 16 assignments > 6 inspectors × cap 2 = 12
    with Session(world.engine) as s, s.begin():
        _plan(s, plan_id="hp-cap", max_targets_per_inspector=2)
    with (
        Session(world.engine) as s,
        pytest.raises(service.DrawError, match="16 assignments exceed 6 inspectors × cap 2 = 12"),
    ):
        service.commit_draw(s, plan_id="hp-cap", as_of=AS_OF, actor="heping", now=NOW)
    # cap 3: 18 ≥ 16, committed
    with Session(world.engine) as s, s.begin():
        _plan(s, plan_id="hp-cap3", max_targets_per_inspector=3)
        assert (
            service.commit_draw(s, plan_id="hp-cap3", as_of=AS_OF, actor="heping", now=NOW).pool_targets == 40
        )


def test_last_inspector_is_avoided(world):
    with Session(world.engine) as s, s.begin():
        _plan(s, plan_id="hp-all", inspectors_per_target=2, ratios_bp={"good": 10000})
        first = service.commit_draw(s, plan_id="hp-all", as_of=AS_OF, actor="heping", now=NOW)
        one = service.run_draw(s, draw_id=first.id, actor="heping", now=NOW)
        second = service.commit_draw(
            s, plan_id="hp-all", as_of=AS_OF, actor="heping", now=NOW + dt.timedelta(hours=1)
        )
        two = service.run_draw(s, draw_id=second.id, actor="heping", now=NOW + dt.timedelta(hours=1))
    before = {t["subject_id"]: set(t["inspectors"]) for t in one.targets}
    assert len(two.targets) == 40
    for t in two.targets:
        assert not before[t["subject_id"]] & set(t["inspectors"])


def test_bad_plans_are_refused(world):
    with Session(world.engine) as s:
        for kw, word in (
            ({"scheme_id": "wuqing_fire"}, "120101"),
            ({"ratios_bp": {"nope": 10}}, "nope"),
            ({"ratios_bp": {"good": 20000}}, "0–10000"),
            ({"inspectors_per_target": 0}, "inspectors_per_target"),
            ({"plan_id": "Bad Id"}, "plan_id"),
            ({"name": " "}, "name"),
        ):
            with pytest.raises(service.DrawError, match=word):
                _plan(s, **kw)


def test_results_reach_archive_and_next_grade(world):
    from xinyong.archive.service import build_archive
    from xinyong.disclosure.policy import OPERATOR
    from xinyong.evaluation.service import evaluate, latest_grades

    with Session(world.engine) as s, s.begin():
        _plan(s, plan_id="hp-res", ratios_bp={"good": 10000})
        draw_id = service.commit_draw(s, plan_id="hp-res", as_of=AS_OF, actor="heping", now=NOW).id
        service.run_draw(s, draw_id=draw_id, actor="heping", now=NOW)
    target = world.ids[3]  # two failed inspections already: 78 − 2 × 4 = 70 points, B (70 ≤ B < 85)
    day = dt.date(2026, 10, 31)
    with pytest.raises(service.DrawError, match="result"):
        service.enter_result(
            world.engine,
            draw_id=draw_id,
            subject_id=target,
            result="bad",
            inspection_date=day,
            actor="x",
            now=NOW,
        )
    res = service.enter_result(
        world.engine,
        draw_id=draw_id,
        subject_id=target,
        result="failed",
        findings="未明码标价",
        inspection_date=day,
        actor="heping",
        now=NOW,
    )
    assert res.record_id
    with pytest.raises(service.DrawError, match="already"):
        service.enter_result(
            world.engine,
            draw_id=draw_id,
            subject_id=target,
            result="passed",
            inspection_date=day,
            actor="x",
            now=NOW,
        )
    with Session(world.engine) as s:
        archive = build_archive(s, subject_id=target, as_of=AS_OF, viewer=OPERATOR)
        inspections = [r for g in archive.groups if g.kind == "inspection" for r in g.records]
        assert any(r.id == res.record_id for r in inspections)
        assert latest_grades(s, target, AS_OF)[0]["grade"] == "B"
    evaluate(
        world.engine,
        model_id="city_enterprise",
        as_of=AS_OF,
        engine_name="python",
        snapshot_dir=world.tmp / "snap",
    )
    with Session(world.engine) as s:
        after = latest_grades(s, target, AS_OF)[0]
    # a third failed inspection: recognition 50 − 60 capped at −50 → 0 points → 78 − 10 = 68: C (55 ≤ C < 70)
    assert after["grade"] == "C" and after["score"] == 68.0


def test_population_is_a_rule(world):
    with Session(world.engine) as s, s.begin():
        # the scheme's population ("heping_hisense_plaza" in pilots) covers the 40 mall merchants
        assert service.commit_draw(s, plan_id=_plan(s).id, as_of=AS_OF, actor="t", now=NOW).pool_targets == 40
        _plan(s, plan_id="hp-none", population='industry == "不存在的行业"')
        assert service.commit_draw(s, plan_id="hp-none", as_of=AS_OF, actor="t", now=NOW).pool_targets == 0
    with Session(world.engine) as s, pytest.raises(service.DrawError, match="position"):
        _plan(s, plan_id="hp-bad", population="no_such_fact > 1")


def test_a_population_may_not_select_by_a_persons_score(world):
    with Session(world.engine) as s, pytest.raises(service.DrawError) as err:
        _plan(s, plan_id="hp-score", population='score["person_haihe"] >= 600.0')
    msg = str(err.value)
    assert (
        msg.startswith("population") and 'score["person_haihe"]' in msg and "seen only by the person" in msg
    )
