"""Lists on SQLite and PostgreSQL: sync follows the criteria as of a date with full history, the
review queue, refusals that write nothing, ledger leaves, benefits exclusion, the `lists` fact."""

from __future__ import annotations

import datetime as dt

import pytest
from lists_world import add_record, add_run, build
from sqlalchemy import func, select

from xinyong.ledger.service import read_leaves, tree_size
from xinyong.lists import service
from xinyong.lists.models import ListCandidate, ListExit, ListMembership
from xinyong.rules import subject_facts
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

D1 = dt.date(2026, 7, 15)


@pytest.fixture
def world(engine):
    build(engine)
    return engine


def _members(engine, list_id: str, as_of: dt.date) -> set[str]:
    with session_scope(engine) as s:
        return set(service.active_members(s, list_id, as_of))


def test_automatic_lists_follow_the_criteria_with_full_history(world):
    with session_scope(world) as s:
        red = service.sync(s, list_id="red_honest", as_of=D1)
        focus = service.sync(s, list_id="focus_watch", as_of=D1)
    # red: grade A, no negative record in 3 years, not seriously dishonest; enterprises only (P1 is a person).
    assert _members(world, "red_honest", D1) == {"E1"} and red.entered == 1
    assert _members(world, "focus_watch", D1) == {"E5"} and focus.entered == 1
    # idempotent for the same date
    with session_scope(world) as s:
        again = service.sync(s, list_id="red_honest", as_of=D1)
    assert (again.entered, again.exited) == (0, 0)
    # a new grade B for E1 as of 2026-09-30: E1 leaves the red list at the next sync, history kept
    with session_scope(world) as s:
        add_run(s, "run2", dt.date(2026, 9, 30), {"E1": "B", "E3": "A"}, dt.datetime(2026, 10, 1))
    d2 = dt.date(2026, 10, 31)
    with session_scope(world) as s:
        res = service.sync(s, list_id="red_honest", as_of=d2)
    assert (res.entered, res.exited) == (1, 1)
    assert _members(world, "red_honest", d2) == {"E3"}
    assert _members(world, "red_honest", D1) == {"E1"}  # as of the earlier date, E1 was listed
    with session_scope(world) as s:
        [(m, x)] = service.history(s, list_id="red_honest", subject_id="E1")
        assert (m.start_on, x.exit_on, x.kind) == (D1, d2, "lapsed")
        assert service.status_of(m, x, dt.date(2026, 8, 1)) == "active"
        assert service.status_of(m, x, d2) == "exited"
        assert m.rule_id == "lists.red_honest.entry" and m.rule_version == 1
        assert m.facts == {"grade[city_enterprise]": "A", "lists": [], "records.negative_any_3y": 0}


def test_terms_expire_with_a_leaf(world):
    with session_scope(world) as s:
        service.sync(s, list_id="focus_watch", as_of=D1)
        size = tree_size(s)
    later = dt.date(2028, 7, 15)  # two years after D1: the focus list's term ended that day
    with session_scope(world) as s:
        res = service.sync(s, list_id="focus_watch", as_of=later)
        (new, new_exit), (m, x) = service.history(s, list_id="focus_watch", subject_id="E5")
        assert new.start_on == later and new_exit is None
        assert res.expired == 1 and x.kind == "expired" and x.exit_on == later == m.planned_end_on
        # E5 still has grade C (the newest run as of then): it enters again for a new term
        assert res.entered == 1
        leaves = read_leaves(s, range(size, tree_size(s)))
        assert [leaf.event_type for leaf in leaves.values()] == ["list.exited", "list.entered"]


def test_review_queue_and_benefit_exclusion(world):
    with session_scope(world) as s:
        res = service.sync(s, list_id="serious_dishonesty", as_of=D1)
        assert res.candidates == 1 and service.active_members(s, "serious_dishonesty", D1) == {}
        [c] = service.candidates(s, list_id="serious_dishonesty")
        assert c.subject_id == "E4" and c.facts == {"kind": "enterprise", "records.penalty_serious_3y": 1}
        assert service.sync(s, list_id="serious_dishonesty", as_of=D1).candidates == 0  # already queued
        with pytest.raises(service.ListError) as info:
            service.decide(s, candidate_id=c.id, decision="accept", actor="officer", reason=" ")
        assert "reason" in info.value.en and info.value.zh
        service.decide(
            s,
            candidate_id=c.id,
            decision="accept",
            actor="officer",
            reason="经告知、听取陈述申辩",
            start_on=D1,
        )
        with pytest.raises(service.ListError):
            service.decide(s, candidate_id=c.id, decision="reject", actor="officer", reason="again")
    with session_scope(world) as s:
        assert service.excluded_from_benefits(s, "E4", D1) is True
        assert service.excluded_from_benefits(s, "E4", D1 - dt.timedelta(days=1)) is False
        assert service.excluded_from_benefits(s, "E1", D1) is False
        assert service.excluded_subjects(s, D1) == {"E4"}
        # the membership is a fact for rules
        assert subject_facts(s, subject_id="E4", as_of=D1)["lists"] == ["serious_dishonesty"]
        [m] = service.history(s, list_id="serious_dishonesty")[0:1]
        assert m[0].planned_end_on == dt.date(2029, 7, 15) and m[0].via == "decision"


def test_pending_candidates_lapse_when_the_criteria_no_longer_hold(world):
    with session_scope(world) as s:
        service.sync(s, list_id="serious_dishonesty", as_of=D1)
    # the 3-year window as of 2028-03-01 starts 2025-03-01: the penalty still counts that day, not the next
    with session_scope(world) as s:
        assert service.sync(s, list_id="serious_dishonesty", as_of=dt.date(2028, 3, 1)).lapsed_candidates == 0
        res = service.sync(s, list_id="serious_dishonesty", as_of=dt.date(2028, 3, 2))
        assert res.lapsed_candidates == 1
        [c] = service.candidates(s, list_id="serious_dishonesty", status="lapsed")
        assert c.subject_id == "E4"


def test_a_serious_dishonesty_listing_takes_the_subject_off_the_red_list(world):
    """The red rule reads the `lists` fact: once E1 is on the serious dishonesty list (an officer's
    decision with its basis), the next sync_all takes it off the red list; E4's candidate stays queued."""
    with session_scope(world) as s:
        service.sync_all(s, as_of=D1)
        assert set(service.active_members(s, "red_honest", D1)) == {"E1"}
    d2 = dt.date(2026, 8, 20)
    with session_scope(world) as s:
        service.enter(
            s,
            list_id="serious_dishonesty",
            subject_id="E1",
            actor="officer",
            basis="津市监严失〔2026〕3号",
            reason="拒不履行法定义务",
            start_on=d2,
        )
        results = {r.list_id: r for r in service.sync_all(s, as_of=d2)}
        assert results["red_honest"].exited == 1
        assert set(service.active_members(s, "red_honest", d2)) == set()
        assert [c.subject_id for c in service.candidates(s, list_id="serious_dishonesty")] == ["E4"]
        assert service.excluded_from_benefits(s, "E1", d2)


@pytest.mark.parametrize(
    ("kwargs", "en_part"),
    [
        ({"basis": "", "reason": "r"}, "legal basis"),
        ({"basis": "决定书 津市监〔2026〕1号", "reason": "  "}, "needs a reason"),
        ({"basis": "b", "reason": "r", "subject_id": "P1"}, "applies to enterprise"),
        (
            {"basis": "b", "reason": "r", "subject_id": "E3", "list_id": "binhai_preservation_whitelist"},
            "district",
        ),
        ({"basis": "b", "reason": "r", "subject_id": "nobody"}, "subject not found"),
        ({"basis": "b", "reason": "r", "list_id": "no_such_list"}, "no such list"),
        ({"basis": "b", "reason": "r", "listed_on": dt.date(2026, 8, 1)}, "listing date"),
    ],
)
def test_manual_entry_refusals_write_nothing(world, kwargs, en_part):
    args = {"list_id": "serious_dishonesty", "subject_id": "E2", "actor": "officer", "start_on": D1, **kwargs}
    with session_scope(world) as s:
        size = tree_size(s)
        with pytest.raises(service.ListError) as info:
            service.enter(s, **args)
        assert en_part in info.value.en and info.value.zh
        s.rollback()
    with session_scope(world) as s:
        assert s.scalar(select(func.count()).select_from(ListMembership)) == 0
        assert tree_size(s) == size


def test_manual_entry_and_exit_are_leaves_and_overlaps_are_refused(world):
    with session_scope(world) as s:
        size = tree_size(s)
        # binhai's list is for 滨海 subjects only: build one there
        s.add(
            Subject(
                id="B1",
                kind="enterprise",
                name="滨海企业",
                district_code="120116",
                attributes={},
                source="t",
                first_seen=dt.datetime(2024, 1, 1),
                last_seen=dt.datetime(2024, 1, 1),
            )
        )
        s.flush()
        m = service.enter(
            s,
            list_id="binhai_preservation_whitelist",
            subject_id="B1",
            actor="officer",
            basis="滨海新区人民法院 府院联动 联合认定（2026）1号",
            reason="履行记录良好",
            start_on=D1,
            listed_on=dt.date(2026, 7, 1),
        )
        assert m.planned_end_on == dt.date(2027, 7, 15)
        with pytest.raises(service.ListError) as info:
            service.enter(
                s,
                list_id="binhai_preservation_whitelist",
                subject_id="B1",
                actor="o",
                basis="b",
                reason="r",
                start_on=dt.date(2027, 1, 1),
            )
        assert "overlapping" in info.value.en
        x = service.exit_membership(
            s,
            membership_id=m.id,
            exit_on=dt.date(2026, 12, 1),
            kind="decision",
            actor="officer",
            reason="出现失信被执行记录",
        )
        with pytest.raises(service.ListError):
            service.exit_membership(
                s,
                membership_id=m.id,
                exit_on=dt.date(2026, 12, 2),
                kind="decision",
                actor="officer",
                reason="again",
            )
        leaves = read_leaves(s, range(size, tree_size(s)))
        kinds = [leaf.event_type for leaf in leaves.values()]
        assert kinds == ["list.entered", "list.exited"] and x.leaf_index == size + 1
        # a new term after the exit does not overlap
        service.enter(
            s,
            list_id="binhai_preservation_whitelist",
            subject_id="B1",
            actor="o",
            basis="b",
            reason="r",
            start_on=dt.date(2026, 12, 1),
        )
    with session_scope(world) as s:
        assert s.scalar(select(func.count()).select_from(ListExit)) == 1
        assert len(service.history(s, subject_id="B1")) == 2
        assert s.scalar(select(func.count()).select_from(ListCandidate)) == 0


def test_a_rejection_holds_until_the_facts_change(world):
    with session_scope(world) as s:
        service.sync(s, list_id="serious_dishonesty", as_of=D1)
        [c] = service.candidates(s, list_id="serious_dishonesty")
        service.decide(s, candidate_id=c.id, decision="reject", actor="officer", reason="处罚已变更")
        assert service.sync(s, list_id="serious_dishonesty", as_of=D1).candidates == 0
        assert service.sync(s, list_id="serious_dishonesty", as_of=dt.date(2026, 8, 1)).candidates == 0
        add_record(s, "r-e4b", "E4", severity="serious", occurred=dt.date(2026, 7, 20))
    with session_scope(world) as s:
        # a second serious penalty changes the facts the rule read (1 → 2): the subject is queued again
        res = service.sync(s, list_id="serious_dishonesty", as_of=dt.date(2026, 8, 1))
        assert res.candidates == 1
        [again] = service.candidates(s, list_id="serious_dishonesty")
        assert again.facts["records.penalty_serious_3y"] == 2


@pytest.mark.parametrize(
    ("field", "expression", "fact"),
    [
        ("entry.expression", 'kind == "person" && score["person_haihe"] < 500.0', 'score["person_haihe"]'),
        ("entry.expression", 'grade.person_haihe in ["D", "E"]', 'grade["person_haihe"]'),
        ("exit.expression", "person.score >= 600", "person.score"),
    ],
)
def test_a_list_rule_may_not_select_persons_by_their_score(tmp_path, field, expression, fact):
    """A list is an officer's decision: a rule reading a person's score (or the grade band that tells
    its range) is refused when the definitions load, naming the file, the field and the fact."""
    shipped = (service.lists_dir() / "focus_watch.yaml").read_text(encoding="utf-8")
    text = shipped.replace("id: focus_watch", "id: person_watch").replace(
        "scope_kinds: [enterprise, individual_business]", "scope_kinds: [person]"
    )
    entry = 'kind == "person"' if field == "exit.expression" else expression
    start = text.index("  expression: >-")
    end = text.index("  decision: automatic")
    text = text[:start] + f"  expression: '{entry}'\n" + text[end:]
    if field == "exit.expression":
        text = text.replace("  when_criteria_lapse: true", f"  expression: '{expression}'")
    (tmp_path / "person_watch.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(service.ListError) as err:
        service.load_lists(tmp_path)
    assert "person_watch.yaml" in err.value.en and field in err.value.en
    assert fact in err.value.zh and fact in err.value.en and "seen only by the person" in err.value.en
    # the same file reading a firm's grade loads
    firm = expression.replace('score["person_haihe"] < 500.0', 'grade["city_enterprise"] == "D"')
    firm = firm.replace("grade.person_haihe", "grade.city_enterprise").replace(
        "person.score >= 600", 'kind == "person"'
    )
    (tmp_path / "person_watch.yaml").write_text(text.replace(expression, firm), encoding="utf-8")
    assert "person_watch" in service.load_lists(tmp_path)
