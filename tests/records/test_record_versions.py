"""Record identity (source + kind + source record id) and versions (更正), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from ingest_files import licence_2, penalty_2, uscc  # noqa: E402

from xinyong.ingest.models import QuarantineRow  # noqa: E402
from xinyong.ingest.service import ingest_rows  # noqa: E402
from xinyong.ledger.service import record_leaves, verify_store  # noqa: E402
from xinyong.records.models import Record, RecordSequence, RecordVersion  # noqa: E402
from xinyong.records.service import RecordNotFound, content_matches, record_history  # noqa: E402
from xinyong.store.db import make_engine  # noqa: E402
from xinyong.store.migrate import upgrade  # noqa: E402

USCC = "行政相对人代码_1(统一社会信用代码)"
T1, T2, T3 = dt.datetime(2023, 6, 1, 9), dt.datetime(2023, 7, 1, 9), dt.datetime(2023, 8, 1, 9)


def corrected(i: int) -> dict[str, str]:
    """The department's corrected penalty: 5,000 → 8,000 yuan."""
    return penalty_2(i, **{"罚款金额（万元）": "0.8", "处罚内容": "警告，罚款人民币8000元"})


def records_of(engine, source: str) -> list[Record]:
    with Session(engine) as s:
        return list(s.scalars(select(Record).where(Record.source == source).order_by(Record.kind)))


def test_same_number_in_two_kinds_is_two_records(engine):
    number = "津和市监〔2023〕7号"
    p = ingest_rows(
        engine=engine, rows=[penalty_2(1, **{"处罚决定书文号": number})], source="s", kind="penalty"
    )
    lic = ingest_rows(
        engine=engine, rows=[licence_2(1, **{"行政许可决定文书号": number})], source="s", kind="licence"
    )
    assert (p.accepted, lic.accepted, lic.duplicates) == (1, 1, 0)
    recs = records_of(engine, "s")
    assert [(r.kind, r.source_record_id) for r in recs] == [("licence", number), ("penalty", number)]
    # the same number from another source is another record too
    other = ingest_rows(
        engine=engine, rows=[penalty_2(1, **{"处罚决定书文号": number})], source="t", kind="penalty"
    )
    assert other.accepted == 1


def test_a_correction_adds_a_version_and_a_ledger_leaf(engine):
    first = ingest_rows(engine=engine, rows=[penalty_2(1), penalty_2(2)], source="s", kind="penalty", now=T1)
    rid = first.record_ids[0]
    fix = ingest_rows(engine=engine, rows=[corrected(1), penalty_2(2)], source="s", kind="penalty", now=T2)
    assert fix.summary() == {
        "batch": fix.batch,
        "read": 2,
        "accepted": 0,
        "corrected": 1,
        "duplicates": 1,
        "rejected": 0,
    }
    assert fix.corrected_ids == [rid]
    with Session(engine) as s:
        rec = s.get(Record, rid)  # the id is stable: the record keeps its identity
        assert (rec.amount, rec.version, rec.batch_id) == (8000.0, 2, fix.batch)
        assert rec.content_id != rid and content_matches(rec)
        assert rec.first_seen == T1 and rec.last_seen == T2
        history = record_history(s, rid)
        assert [
            (v["version"], v["amount"], v["batch_id"], v["recorded_at"], v["current"]) for v in history
        ] == [(1, 5000.0, first.batch, T1, False), (2, 8000.0, fix.batch, T2, True)]
        assert history[0]["content_id"] == rid and history[1]["content_id"] == rec.content_id
        assert history[0]["original"]["处罚内容"] == "警告，罚款人民币5000元"
        assert history[1]["original"]["处罚内容"] == "警告，罚款人民币8000元"
        leaves = record_leaves(s, rid)
        assert [leaf.event_type for leaf in leaves] == ["record.collected", "record.corrected"]
        event = json.loads(leaves[1].data)
        assert (event["previous_content_id"], event["content_id"], event["batch_id"]) == (
            rid,
            rec.content_id,
            fix.batch,
        )
        assert verify_store(s)["ok"] is True
        assert s.scalar(select(func.count()).select_from(Record)) == 2
    # the corrected row again: a duplicate; the first content again: a correction back (version 3)
    again = ingest_rows(engine=engine, rows=[corrected(1)], source="s", kind="penalty", now=T3)
    assert (again.corrected, again.duplicates) == (0, 1)
    back = ingest_rows(engine=engine, rows=[penalty_2(1)], source="s", kind="penalty", now=T3)
    assert back.corrected == 1
    with Session(engine) as s:
        assert [v["amount"] for v in record_history(s, rid)] == [5000.0, 8000.0, 5000.0]
        assert s.get(Record, rid).content_id == rid
        assert verify_store(s)["ok"] is True


def test_changing_a_record_behind_the_log_is_still_caught(engine):
    first = ingest_rows(engine=engine, rows=[penalty_2(1)], source="s", kind="penalty", now=T1)
    ingest_rows(engine=engine, rows=[corrected(1)], source="s", kind="penalty", now=T2)
    rid = first.record_ids[0]
    old_fields = "(SELECT fields FROM record_versions WHERE record_id = :rid AND version = 1)"
    with engine.begin() as conn:  # put the old content back without going through ingest
        conn.execute(text(f"UPDATE records SET fields = {old_fields} WHERE id = :rid"), {"rid": rid})
    with Session(engine) as s:
        report = verify_store(s)
    assert report["ok"] is False and report["changed"] == [{"record_id": rid, "columns": ["content (id)"]}]
    with engine.begin() as conn:  # …and its content id too: the log still names the corrected content
        conn.execute(text("UPDATE records SET content_id = id WHERE id = :rid"), {"rid": rid})
    with Session(engine) as s:
        report = verify_store(s)
    assert report["ok"] is False and report["changed"] == [{"record_id": rid, "columns": ["content_id"]}]


def test_a_correction_to_another_subject_goes_to_quarantine(engine):
    first = ingest_rows(engine=engine, rows=[penalty_2(1)], source="s", kind="penalty", now=T1)
    moved = {**penalty_2(1), USCC: uscc(99), "行政相对人名称": "另一家公司"}
    result = ingest_rows(engine=engine, rows=[moved], source="s", kind="penalty", now=T2)
    assert (result.read, result.accepted, result.corrected, result.duplicates, result.rejected) == (
        1,
        0,
        0,
        0,
        1,
    )
    with Session(engine) as s:
        rec = s.get(Record, first.record_ids[0])
        assert (rec.version, rec.amount, rec.batch_id) == (1, 5000.0, first.batch)  # nothing changed
        assert s.scalar(select(func.count()).select_from(RecordVersion)) == 0
        from xinyong.subjects.models import Subject

        assert s.scalar(select(func.count()).select_from(Subject)) == 1  # the other subject was not created
        q = s.scalars(select(QuarantineRow).where(QuarantineRow.batch_id == result.batch)).one()
        (reason,) = q.reasons
        assert reason["code"] == "subject_changed" and "主体" in reason["zh"] and "subject" in reason["en"]
        assert first.record_ids[0] in reason["en"] and q.raw[USCC] == uscc(99)


def test_history_of_an_unknown_record(engine):
    with Session(engine) as s, pytest.raises(RecordNotFound, match="no record nope"):
        record_history(s, "nope")


# Each op touches one of five numbers: first send, resend unchanged, correct, move, or a bad row.
OPS = st.lists(
    st.tuples(st.integers(1, 5), st.sampled_from(["same", "fix", "fix2", "move", "bad"])),
    min_size=1,
    max_size=25,
)
VARIANTS = {
    "same": {},
    "fix": {"罚款金额（万元）": "0.8"},
    "fix2": {"罚款金额（万元）": "1.2"},
    "move": {USCC: uscc(77), "行政相对人名称": "别家公司"},
    "bad": {"处罚决定日期": "2023-02-30"},
}


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('versions') / 'x.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(OPS, min_size=1, max_size=3))
def test_counts_add_up_with_corrections(batches, shared_engine):
    """read = accepted + corrected + duplicates + rejected, and each count matches a model of the
    rule written independently here: per number, the stored content and subject."""
    engine, source = shared_engine, uuid.uuid4().hex
    store: dict[int, str] = {}  # number -> variant stored (same/fix/fix2; the subject never changes)
    for ops in batches:
        rows = [penalty_2(i, **VARIANTS[v]) for i, v in ops]
        expect = {"accepted": 0, "corrected": 0, "duplicates": 0, "rejected": 0}
        seen: set[int] = set()
        for i, v in ops:
            if v == "bad":
                expect["rejected"] += 1
            elif i in seen:
                expect["duplicates"] += 1
            elif i not in store:
                seen.add(i)
                store[i] = v  # first sight of a number ("move" too): a new record of that row's subject
                expect["accepted"] += 1
            elif (store[i] == "move") != (v == "move"):
                seen.add(i)
                expect["rejected"] += 1
            elif store[i] == v:
                seen.add(i)
                expect["duplicates"] += 1
            else:
                seen.add(i)
                store[i] = v
                expect["corrected"] += 1
        result = ingest_rows(engine=engine, rows=rows, source=source, kind="penalty")
        got = result.summary()
        assert got["read"] == len(rows) == sum(got[k] for k in expect)
        assert {k: got[k] for k in expect} == expect
    with Session(engine) as s:
        stored = {
            int(r.source_record_id.split("〕")[1].rstrip("号")): r
            for r in s.scalars(select(Record).where(Record.source == source))
        }
        assert sorted(stored) == sorted(store)
        for i, v in store.items():
            want = {"same": 5000.0, "fix": 8000.0, "fix2": 12000.0, "move": 5000.0}[v]
            assert stored[i].amount == want


def test_migration_keeps_existing_records_and_their_ids(db_url):
    """core_0002 on a store written before it: ids kept, content_id = id, version 1, seq in the
    order first seen; afterwards the same number may exist in two kinds."""
    from xinyong.store.migrate import downgrade

    downgrade(db_url, "core_0001")
    engine = make_engine(db_url)
    ids = [hashlib.sha256(x.encode()).hexdigest() for x in ("a", "b")]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO subjects (id, kind, name, attributes, source, first_seen, last_seen) VALUES "
                "('S1', 'legal_person', 'x', '{}', 's', '2023-01-01', '2023-01-01')"
            )
        )
        for rid, seen, number in ((ids[0], "2023-03-01", "N1"), (ids[1], "2023-02-01", "N2")):
            conn.execute(
                text(
                    "INSERT INTO records (id, kind, subject_id, source, source_record_id, polarity, disclosure, fields, "
                    "original, first_seen, last_seen) VALUES (:id, 'penalty', 'S1', 's', :n, 'negative', 'public', "
                    "'{}', '{}', :seen, :seen)"
                ),
                {"id": rid, "n": number, "seen": seen},
            )
    engine.dispose()
    upgrade(db_url)
    engine = make_engine(db_url)
    with Session(engine) as s:
        rows = s.execute(
            select(Record.id, Record.content_id, Record.version, Record.seq).order_by(Record.seq)
        ).all()
        assert rows == [(ids[1], ids[1], 1, 1), (ids[0], ids[0], 1, 2)]  # b was seen first
        assert s.get(RecordSequence, 1).last == 2
    with engine.begin() as conn:  # the same number in another kind: allowed now
        conn.execute(
            text(
                "INSERT INTO records (id, kind, subject_id, source, source_record_id, polarity, disclosure, fields, "
                "original, first_seen, last_seen, content_id, version) VALUES ('c', 'licence', 'S1', 's', 'N1', "
                "'positive', 'public', '{}', '{}', '2023-04-01', '2023-04-01', 'c', 1)"
            )
        )
    engine.dispose()


def test_retrying_a_moved_row_without_changing_its_subject_keeps_it_open(sqlite_engine):
    from xinyong.ingest.service import retry_quarantined

    first = ingest_rows(engine=sqlite_engine, rows=[penalty_2(1)], source="s", kind="penalty", now=T1)
    moved = {**penalty_2(1), USCC: uscc(99), "行政相对人名称": "另一家公司"}
    batch = ingest_rows(engine=sqlite_engine, rows=[moved], source="s", kind="penalty", now=T2).batch
    with Session(sqlite_engine) as s:
        qid = s.scalars(select(QuarantineRow.id).where(QuarantineRow.batch_id == batch)).one()
    again = retry_quarantined(engine=sqlite_engine, quarantine_id=qid, now=T3)
    assert again.status == "open" and [r["code"] for r in again.reasons] == ["subject_changed"]
    with Session(sqlite_engine) as s:
        assert s.get(QuarantineRow, qid).status == "open"
        assert s.get(Record, first.record_ids[0]).version == 1
