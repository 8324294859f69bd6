"""Risk early warning: record rules on ingestion (through the outbox listener), grouping and
duplicate suppression, whitelist suspension and review, scans (baseline, then differences; a failed
read keeps the last good snapshot), periodic pushes, bad rule files — SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alerts_world import add_subject, heping_whitelist, ingest_penalty
from sqlalchemy import func, select, update

from helpers.notify_world import make_users
from xinyong.alerts import service
from xinyong.alerts.models import Alert, AlertFinding, WatchlistSnapshot, WatchlistSuspension
from xinyong.alerts.rules import AlertRule, AlertRuleError, load_rules
from xinyong.notify.models import InboxItem, OutboxEvent
from xinyong.notify.worker import run_once
from xinyong.settings import Settings
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

NOW = dt.datetime(2026, 10, 31, 2, 0)  # 10:00 in Beijing, local day 2026-10-31


def count(engine, model, *where) -> int:  # noqa: ANN001
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def whitelist(engine, officer: int, members: list[str]) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        heping_whitelist(s, officer, members)


def test_serious_penalty_on_a_whitelisted_firm_alerts_once_and_suspends(engine):
    (officer,) = make_users(engine, ("officer-hp", "district_officer", "120101", None))
    _, firm = ingest_penalty(engine, 1, "警告", NOW)  # minor: creates the firm, fires nothing
    whitelist(engine, officer, [firm])
    run_once(engine, now=NOW, settings=Settings())
    assert count(engine, Alert) == 0
    rec, _ = ingest_penalty(engine, 2, "吊销营业执照", NOW)  # serious by the catalogue's category rule
    run_once(engine, now=NOW + dt.timedelta(minutes=1), settings=Settings())
    with session_scope(engine) as s:
        (alert,) = s.scalars(select(Alert)).all()
        (finding,) = s.scalars(select(AlertFinding)).all()
        (item,) = s.scalars(select(InboxItem).where(InboxItem.kind == "alert.raised")).all()
        susp = service.open_suspension(s, "heping_white", firm)
    assert (alert.subject_id, alert.severity, alert.day) == (firm, "serious", dt.date(2026, 10, 31))
    assert (finding.rule_id, finding.details["record_id"]) == ("serious_penalty", rec)
    assert item.user_id == officer and "信用风险预警" in item.title_zh and "新增严重行政处罚" in item.title_zh
    assert susp is not None and "严重" in susp.reason
    assert count(engine, InboxItem, InboxItem.kind == "watchlist.suspended") == 1

    # the same record again: suppressed; a second serious record the same day: same alert, no new message
    with session_scope(engine) as s:
        assert service.on_records(s, record_ids=[rec], now=NOW + dt.timedelta(hours=1)) == 0
    ingest_penalty(engine, 3, "责令停产停业", NOW)
    run_once(engine, now=NOW + dt.timedelta(hours=2), settings=Settings())
    assert count(engine, Alert) == 1 and count(engine, AlertFinding) == 2
    assert count(engine, OutboxEvent, OutboxEvent.kind == "alert.raised") == 1
    assert count(engine, WatchlistSuspension) == 1  # still pending: not suspended twice
    # the next local day groups into a new alert
    ingest_penalty(engine, 4, "吊销许可证", NOW)
    run_once(engine, now=NOW + dt.timedelta(days=1), settings=Settings())
    assert count(engine, Alert) == 2 and count(engine, OutboxEvent, OutboxEvent.kind == "alert.raised") == 2


def test_unwatched_firms_and_minor_records_raise_nothing(engine):
    (officer,) = make_users(engine, ("officer-hp", "district_officer", "120101", None))
    _, firm = ingest_penalty(engine, 1, "警告", NOW)
    whitelist(engine, officer, [firm])
    ingest_penalty(engine, 2, "警告;罚款", NOW)  # general: no rule
    from xinyong.subjects.identifiers import make_uscc

    ingest_penalty(
        engine, 3, "吊销营业执照", NOW, uscc=make_uscc("91120101MA0AL0002"), name="别的公司"
    )  # not watched
    run_once(engine, now=NOW, settings=Settings())
    assert count(engine, Alert) == 0 and count(engine, InboxItem) == 0


def test_review_reinstates_or_removes_once(engine):
    (officer,) = make_users(engine, ("officer-hp", "district_officer", "120101", None))
    _, firm = ingest_penalty(engine, 1, "警告", NOW)
    whitelist(engine, officer, [firm])
    ingest_penalty(engine, 2, "吊销营业执照", NOW)
    run_once(engine, now=NOW, settings=Settings())
    with session_scope(engine) as s:
        with pytest.raises(service.AlertError):
            service.review(
                s, watchlist_id="heping_white", subject_id=firm, outcome="maybe", reason="x", actor="o"
            )
        done = service.review(
            s, watchlist_id="heping_white", subject_id=firm, outcome="reinstated", reason="已整改", actor="o"
        )
        assert done.outcome == "reinstated"
    with session_scope(engine) as s, pytest.raises(service.AlertError) as err:
        service.review(
            s, watchlist_id="heping_white", subject_id=firm, outcome="removed", reason="x", actor="o"
        )
    assert err.value.status == 404


def test_scan_sets_a_baseline_then_alerts_on_hexi_registration_changes(engine):
    (officer,) = make_users(engine, ("officer-hx", "district_officer", "120103", None))
    hexi = add_subject(
        engine,
        "S-HX1",
        "120103",
        legal_rep="李四",
        address="河西区友谊路1号",
        attributes={"registered_capital": "500"},
    )
    heping = add_subject(engine, "S-HP1", "120101", legal_rep="王五", address="和平区南京路1号")
    with session_scope(engine) as s:
        service.create_watchlist(
            s,
            watchlist_id="hexi_buildings",
            name_zh="网信大厦楼宇",
            name_en="Building roster",
            kind="roster",
            district_code="120103",
            owner_user_ids=[officer],
            actor="test",
        )
        service.add_members(s, watchlist_id="hexi_buildings", subject_ids=[hexi, heping], actor="test")
    d1, d2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)
    with session_scope(engine) as s:
        assert service.scan(s, watchlist_id="hexi_buildings", as_of=d1, now=NOW) == {
            "members": 2,
            "baseline": 2,
            "findings": 0,
            "failed": 0,
        }
    with session_scope(engine) as s:  # registration changes of both firms
        s.execute(
            update(Subject).where(Subject.id == hexi).values(legal_rep="赵六", address="河西区友谊路2号")
        )
        s.execute(update(Subject).where(Subject.id == heping).values(legal_rep="钱七"))
    with session_scope(engine) as s:
        out = service.scan(s, watchlist_id="hexi_buildings", as_of=d2, now=NOW)
    assert out["findings"] == 2  # legal_rep and address of the 河西 firm; the 和平 firm is outside the rule
    with session_scope(engine) as s:
        found = {
            (f.subject_id, f.details["field"], f.details["before"], f.details["after"])
            for f in s.scalars(select(AlertFinding))
        }
    assert found == {
        (hexi, "legal_rep", "李四", "赵六"),
        (hexi, "address", "河西区友谊路1号", "河西区友谊路2号"),
    }
    assert count(engine, Alert) == 1
    with session_scope(engine) as s:  # scanning again finds nothing new
        assert service.scan(s, watchlist_id="hexi_buildings", as_of=d2, now=NOW)["findings"] == 0


def test_a_failed_read_keeps_the_last_good_snapshot(engine, monkeypatch):
    add_subject(engine, "S-HX1", "120103", legal_rep="李四")
    with session_scope(engine) as s:
        service.create_watchlist(
            s, watchlist_id="w", name_zh="名单", name_en="list", kind="roster", actor="t"
        )
        service.add_members(s, watchlist_id="w", subject_ids=["S-HX1"], actor="t")
        service.scan(s, watchlist_id="w", as_of=dt.date(2026, 10, 1), now=NOW)

    def broken(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise ConnectionError("source unavailable")

    monkeypatch.setattr(service, "_watched_values", broken)
    with session_scope(engine) as s:
        assert service.scan(s, watchlist_id="w", as_of=dt.date(2026, 10, 2), now=NOW)["failed"] == 1
    with session_scope(engine) as s:
        snap = s.scalars(select(WatchlistSnapshot)).one()
    assert snap.facts["legal_rep"] == "李四" and snap.as_of == dt.date(2026, 10, 1)


@pytest.mark.parametrize(
    ("old", "new", "fires"),
    [
        ("A", "B", True),
        ("B", "D", True),
        ("B", "A", False),
        ("C", "C", False),
        ("", "C", False),
        ("B", "", False),
    ],
)
def test_grade_drop_fires_only_when_the_grade_gets_worse(old, new, fires):
    rule = AlertRule(
        id="g",
        name_zh="g",
        name_en="g",
        on="change",
        severity="general",
        watch=("g",),
        direction="drop",
        order=("A", "B", "C", "D"),
    )
    assert service._changed(rule, "g", old, new) is fires


def test_periodic_push_is_due_every_n_days_and_once_a_day(engine):
    (officer,) = make_users(engine, ("officer-bh", "district_officer", "120116", None))
    with session_scope(engine) as s:
        service.create_watchlist(
            s,
            watchlist_id="binhai_preservation",
            name_zh="滨海保全试点",
            name_en="Binhai preservation pilot",
            kind="roster",
            district_code="120116",
            owner_user_ids=[officer],
            push_days=7,
            actor="t",
        )
    due = [
        d for d in (dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(14)) if d.toordinal() % 7 == 0
    ]
    assert len(due) == 2 and (due[1] - due[0]).days == 7
    for day in (dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(14)):
        for _ in range(2):
            with session_scope(engine) as s:
                service.push_digest(s, watchlist_id="binhai_preservation", today=day, now=NOW)
    assert count(engine, OutboxEvent, OutboxEvent.kind == "alerts.push") == 2


def test_bad_rule_files_name_the_rule_and_field(tmp_path: Path):
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - {id: r1, name_zh: 规则, name_en: rule, trigger: record, severity: serious, when: 'record.kind =='}\n",
        encoding="utf-8",
    )
    with pytest.raises(AlertRuleError) as err:
        load_rules(tmp_path)
    assert "r1" in err.value.en and "when" in err.value.en
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - {id: r2, name_zh: 规则, name_en: rule, trigger: change, severity: info, watch: [x], facts: 'nosuchfact > 1'}\n",
        encoding="utf-8",
    )
    with pytest.raises(AlertRuleError) as err:
        load_rules(tmp_path)
    assert "r2" in err.value.en and "facts" in err.value.en
    assert {r.id for r in load_rules()} >= {
        "serious_penalty",
        "business_anomaly",
        "court_enforcement",
        "grade_drop",
        "hexi_registration_change",
    }


def test_alert_findings_follow_the_disclosure_policy(engine):
    """A bank watching its borrowers sees a finding about a penalty while the penalty is in its view
    (public, in publicity) and not once the penalty is repaired; the city administrator still sees it
    (by the rule text of docs/disclosure.md: banks never see withdrawn records, the city sees all)."""
    from xinyong.disclosure.policy import Viewer
    from xinyong.status.service import change_status

    (bank,) = make_users(engine, ("bank-w", "bank", None, None))
    _, firm = ingest_penalty(engine, 11, "警告", NOW)
    with session_scope(engine) as s:
        service.create_watchlist(
            s,
            watchlist_id="borrowers",
            name_zh="借款企业",
            name_en="Borrowers",
            kind="borrowers",
            district_code=None,
            owner_user_ids=[bank],
            actor="test",
        )
        service.add_members(s, watchlist_id="borrowers", subject_ids=[firm], actor="test")
    rec, _ = ingest_penalty(engine, 12, "吊销营业执照", NOW)
    run_once(engine, now=NOW + dt.timedelta(minutes=1), settings=Settings())
    as_bank = Viewer(role="bank", user_id=str(bank))
    city = Viewer(role="city_admin", user_id="1")
    day = dt.date(2026, 11, 1)

    def seen(viewer: Viewer, scope: dict) -> list[str]:
        with session_scope(engine) as s:
            rows = service.visible_alerts(s, viewer, as_of=day, **scope)
            return [f.details["record_id"] for _, fs in rows for f in fs]

    bank_scope = {"district_code": None, "city": False, "owner": bank}
    assert seen(as_bank, bank_scope) == [rec]
    with session_scope(engine) as s:
        change_status(
            s,
            record_id=rec,
            event="repaired",
            actor="和平区市场监管局",
            reason="信用修复",
            effective_on=dt.date(2026, 10, 25),
        )
    assert seen(as_bank, bank_scope) == []
    assert seen(city, {"city": True}) == [rec]


@pytest.mark.parametrize(
    ("rule", "field", "fact"),
    [
        ("watch: 'grade[\"person_haihe\"]'", "watch", 'grade["person_haihe"]'),
        ("watch: [legal_rep, person.score]", "watch", "person.score"),
        ("watch: [address], facts: 'score[\"person_haihe\"] < 500.0'", "facts", 'score["person_haihe"]'),
    ],
)
def test_an_alert_may_not_watch_a_persons_score(tmp_path: Path, rule, field, fact):
    """Findings show the watched values to officers: a person's score is no watched value nor condition."""
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - {id: p1, name_zh: 规则, name_en: rule, trigger: change, severity: info, " + rule + "}\n",
        encoding="utf-8",
    )
    with pytest.raises(AlertRuleError) as err:
        load_rules(tmp_path)
    assert "p1" in err.value.en and field in err.value.en
    assert fact in err.value.zh and fact in err.value.en and "seen only by the person" in err.value.en


def test_visible_alerts_reads_the_subjects_of_a_page_in_one_query(engine):
    """The alert list loads its subjects together, not one query per alert (up to 200 a page): the number
    of statements does not grow with the number of alerts. What it returns is unchanged: newest first
    (day, then id, descending), without the alert of a person of another district, which a district
    officer may not know of (disclosure policy: persons are private outside their own district)."""
    from sqlalchemy import event

    from xinyong.disclosure.policy import Viewer

    with session_scope(engine) as s:
        service.create_watchlist(
            s, watchlist_id="w", name_zh="关注", name_en="Watched", kind="roster", actor="test"
        )
    firms = [add_subject(engine, f"E{i}", "120101") for i in range(1, 7)]
    with session_scope(engine) as s:
        s.add(
            Subject(
                id="P1",
                kind="person",
                name="张三",
                district_code="120103",
                source="test",
                first_seen=NOW,
                last_seen=NOW,
                attributes={},
            )
        )

    def raise_alert(subject_id: str, day: dt.date) -> None:
        with session_scope(engine) as s:
            alert = Alert(
                watchlist_id="w",
                subject_id=subject_id,
                day=day,
                district_code="120101",
                severity="info",
                created_at=NOW,
            )
            s.add(alert)
            s.flush()
            s.add(
                AlertFinding(
                    alert_id=alert.id,
                    watchlist_id="w",
                    subject_id=subject_id,
                    rule_id="hexi_registration_change",
                    severity="info",
                    finding_key=f"change:{subject_id}:{day}",
                    details={"field": "name"},
                    found_at=NOW,
                )
            )

    officer = Viewer(role="district_officer", district_code="120101", user_id="7")
    day = dt.date(2026, 11, 1)

    def listed() -> tuple[list[str], int]:
        statements: list[str] = []

        def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001
            statements.append(statement)

        with session_scope(engine) as s:
            event.listen(engine, "before_cursor_execute", seen)
            try:
                rows = service.visible_alerts(s, officer, as_of=day, city=True)
            finally:
                event.remove(engine, "before_cursor_execute", seen)
            return [a.subject_id for a, _ in rows], len(statements)

    raise_alert(firms[0], dt.date(2026, 10, 1))
    raise_alert("P1", dt.date(2026, 10, 2))
    few, few_statements = listed()
    assert few == ["E1"]
    for i, firm in enumerate(firms[1:], start=3):
        raise_alert(firm, dt.date(2026, 10, i))
    many, many_statements = listed()
    assert many == ["E6", "E5", "E4", "E3", "E2", "E1"]
    assert many_statements == few_statements


def test_a_watched_map_fact_reads_the_same_value_however_it_is_written(monkeypatch):
    """`grade.city_enterprise` is the rule language's field access on the map `grade`: the same fact as
    `grade["city_enterprise"]` (and with single quotes), so a change rule watching it sees the grade
    (it used to look up a column named `grade.city_enterprise`, which no facts table has, and read '')."""
    import xinyong.rules

    facts = {"grade[city_enterprise]": "B", "kind": "enterprise"}
    monkeypatch.setattr(xinyong.rules, "subject_facts", lambda session, **kw: facts)
    keys = {"grade.city_enterprise", 'grade["city_enterprise"]', "grade['city_enterprise']", "kind"}
    got = service._watched_values(None, Subject(id="E1"), keys, dt.date(2026, 6, 30))
    assert got == {
        "grade.city_enterprise": "B",
        'grade["city_enterprise"]': "B",
        "grade['city_enterprise']": "B",
        "kind": "enterprise",
    }
