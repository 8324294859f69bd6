"""A person's score is no fact for officers (evaluation/privacy.py, docs/rules.md "Personal facts").

`score["person_haihe"]`, `grade["person_haihe"]` (the band tells the score's range) and `person.score`
are refused by `check_expression` — the one check every officer-facing consumer (lists, supervision,
draws, alerts, the CLI) goes through — unless the rule acts for the person themself (`for_person=True`,
信易+ benefits). S3 is a person graded 'B' / 685 by a person_haihe run written by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from rules_world import AS_OF, build, run
from sqlalchemy import func, select

from xinyong.rules import RuleError, check_fact, evaluate, evaluate_many, save_rule, subject_facts
from xinyong.rules.models import RuleVersion
from xinyong.rules.service import check_expression
from xinyong.store.db import session_scope

PERSONAL = [
    # (expression, fact named in the error, column of the read: its `[` or `.`, 1-based)
    ('score["person_haihe"] >= 600.0', 'score["person_haihe"]', 6),
    ('grade.person_haihe == "B"', 'grade["person_haihe"]', 6),
    ("person.score > 700", "person.score", 7),
    ('kind == "person" && [600, 700].exists(t, person.score >= t)', "person.score", 48),
]


@pytest.fixture
def world(engine):
    build(engine)
    with session_scope(engine) as s:
        run(s, "p1", "person_haihe", dt.date(2026, 9, 30), {"S3": ("B", 685.0)}, dt.datetime(2026, 10, 1))
    return engine


@pytest.mark.parametrize(("expression", "fact", "column"), PERSONAL)
def test_an_officer_rule_may_not_read_a_personal_score(expression, fact, column):
    with pytest.raises(RuleError) as err:
        check_expression(expression)
    assert fact in err.value.zh and fact in err.value.en
    assert "仅本人或获本人授权者可见" in err.value.zh and "seen only by the person" in err.value.en
    assert err.value.position == (1, column)
    # the same rule acting for the person themself (信易+) is fine
    assert check_expression(expression, for_person=True).reads


def test_other_models_and_facts_stay_readable():
    rule = check_expression(
        'grade["city_enterprise"] == "A" && score.city_enterprise > 60.0 && kind == "person"'
    )
    assert rule.reads == ["grade[city_enterprise]", "kind", "score[city_enterprise]"]
    assert check_fact('grade["city_enterprise"]') == ("grade", "city_enterprise")
    with pytest.raises(RuleError, match="person_haihe"):
        check_fact('grade["person_haihe"]')
    assert check_fact('grade["person_haihe"]', for_person=True) == ("grade", "person_haihe")


def test_saving_a_personal_rule_is_refused_and_writes_nothing(world):
    with session_scope(world) as s:
        with pytest.raises(RuleError, match="person_haihe"):
            save_rule(s, rule_id="focus.low_score", expression=PERSONAL[0][0], actor="t", reason="t")
        assert s.scalar(select(func.count()).select_from(RuleVersion)) == 0


def test_evaluation_refuses_unless_for_the_person(world):
    with session_scope(world) as s:
        with pytest.raises(RuleError, match="person_haihe"):
            evaluate(s, expression=PERSONAL[0][0], subject_id="S3", as_of=AS_OF)
        with pytest.raises(RuleError, match="person_haihe"):
            evaluate_many(s, expression=PERSONAL[0][0], as_of=AS_OF)
        mine = evaluate(s, expression=PERSONAL[0][0], subject_id="S3", as_of=AS_OF, for_person=True)
        assert mine.result is True and mine.facts == {"score[person_haihe]": 685.0}
        assert evaluate_many(s, expression=PERSONAL[0][0], as_of=AS_OF, for_person=True) == {
            "S1": False,
            "S2": False,
            "S3": True,
        }


def test_subject_facts_leave_the_personal_score_out(world):
    with session_scope(world) as s:
        shown = subject_facts(s, subject_id="S3", as_of=AS_OF)
        mine = subject_facts(s, subject_id="S3", as_of=AS_OF, for_person=True)
    personal = {"score[person_haihe]", "grade[person_haihe]", "person.score"}
    assert not personal & set(shown)
    assert shown["kind"] == "person" and shown["grade[city_enterprise]"] == ""
    assert mine["score[person_haihe]"] == 685.0 and mine["grade[person_haihe]"] == "B"
    assert mine["person.score"] == 685
    assert set(mine) - set(shown) == personal


def test_every_shipped_rule_file_still_loads():
    """The lists, supervision schemes and alert rules shipped in the repo are officer-facing and read no
    personal fact; the 信易+ scenarios that read `person_score` (津南, 静海) run for the person only."""
    from xinyong.alerts.rules import load_rules
    from xinyong.incentives.bulk import bulk_rule
    from xinyong.incentives.scenarios import load_scenarios
    from xinyong.lists.service import load_lists
    from xinyong.supervision.service import shipped_schemes

    assert len(load_lists()) == 6
    assert len(shipped_schemes()) == 3
    assert len(load_rules()) == 6
    personal = []
    for sc in load_scenarios():
        check_expression(bulk_rule(sc), for_person=True)
        try:
            check_expression(bulk_rule(sc))
        except RuleError:
            personal.append(sc.district)
    assert sorted(set(personal)) == ["120112", "120118"]
