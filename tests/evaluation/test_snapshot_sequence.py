"""The incremental snapshot follows the commit sequence, not wall-clock stamps: a batch that began
before an export and committed after it is exported by the next export, exactly once (SQLite and
PostgreSQL); a correction replaces the old version."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from ingest_files import penalty_2  # noqa: E402

from xinyong.evaluation.engines import read_rows  # noqa: E402
from xinyong.evaluation.snapshot import export_snapshot  # noqa: E402
from xinyong.ingest.readers import grid_from_rows  # noqa: E402
from xinyong.ingest.service import ingest_grid, ingest_rows  # noqa: E402

# Wall-clock stamps chosen so that a watermark by time would miss batch B: B's clock is the
# earliest, yet B commits after A was exported.
T_A, T_B, T_C = dt.datetime(2023, 6, 2, 9), dt.datetime(2023, 6, 1, 9), dt.datetime(2023, 6, 3, 9)


def exported_ids(snap: Path) -> list[str]:
    """Every record id in every part, duplicates kept (what a reader without dedupe would see)."""
    return [
        i
        for part in sorted((snap / "records").glob("*.parquet"))
        for i in pq.read_table(part)["id"].to_pylist()
    ]


def test_a_batch_committing_after_an_export_is_neither_missed_nor_duplicated(engine, tmp_path):
    snap = tmp_path / "snap"
    a = ingest_rows(
        engine=engine, rows=[penalty_2(i) for i in range(1, 4)], source="s", kind="penalty", now=T_A
    )
    assert export_snapshot(engine, snap).records == 3
    during: dict[str, object] = {}
    c_result: dict[str, object] = {}

    def other_batch() -> None:  # a second writer, started while B is open; it waits for B's commit
        c_result["c"] = ingest_rows(
            engine=engine, rows=[penalty_2(i) for i in range(20, 22)], source="t", kind="penalty", now=T_C
        )

    thread = threading.Thread(target=other_batch)

    def in_b(_conn, _result) -> None:  # B has written its rows but not committed: export now
        thread.start()
        during["export"] = export_snapshot(engine, snap)

    b = ingest_grid(
        engine=engine,
        grid=grid_from_rows([penalty_2(i) for i in range(10, 14)]),
        source="s",
        kind="penalty",
        now=T_B,
        within=in_b,
    )
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert during["export"].records == 0  # B was not committed yet: nothing of it, nothing again of A
    after = export_snapshot(engine, snap)
    assert after.records == 4 + 2
    ids = exported_ids(snap)
    expected = a.record_ids + b.record_ids + c_result["c"].record_ids
    assert len(set(expected)) == 9
    assert sorted(ids) == sorted(expected)  # every record once: none missed, none duplicated
    assert export_snapshot(engine, snap).records == 0


def test_a_correction_replaces_the_old_version_in_the_snapshot(engine, tmp_path):
    snap = tmp_path / "snap"
    first = ingest_rows(engine=engine, rows=[penalty_2(1), penalty_2(2)], source="s", kind="penalty", now=T_A)
    export_snapshot(engine, snap)
    again = ingest_rows(engine=engine, rows=[penalty_2(1), penalty_2(2)], source="s", kind="penalty", now=T_C)
    assert again.duplicates == 2 and export_snapshot(engine, snap).records == 0  # unchanged: not re-exported
    fix = ingest_rows(
        engine=engine, rows=[penalty_2(1, **{"罚款金额（万元）": "0.8"})], source="s", kind="penalty", now=T_B
    )  # an earlier clock than the last export's rows: still exported
    assert fix.corrected == 1
    stats = export_snapshot(engine, snap)
    assert stats.records == 1 and stats.superseded
    rows = {r["id"]: r for r in read_rows(snap, set())["records"]}
    assert set(rows) == set(first.record_ids)
    assert rows[first.record_ids[0]]["amount"] == 8000.0 and rows[first.record_ids[1]]["amount"] == 5000.0


def test_each_records_part_is_sorted_by_subject_then_id(engine, tmp_path):
    """A subject's records lie together in a part (the engines group by subject in runs, issue #16),
    whatever order they were ingested in: two batches, subjects interleaved within and across them."""
    first = [
        penalty_2(i, 处罚决定书文号=f"津和市监罚〔2023〕{n}号") for n, i in enumerate([7, 3, 9, 3, 1, 7])
    ]
    second = [penalty_2(i, 处罚决定书文号=f"津和市监罚〔2024〕{n}号") for n, i in enumerate([9, 1, 4, 7])]
    snap = tmp_path / "snap"
    ingest_rows(engine=engine, rows=first, source="s", kind="penalty", now=T_A)
    export_snapshot(engine, snap)
    ingest_rows(engine=engine, rows=second, source="s", kind="penalty", now=T_C)
    export_snapshot(engine, snap)
    parts = sorted((snap / "records").glob("*.parquet"))
    assert len(parts) == 2
    for part, expected_subjects in zip(parts, (4, 4), strict=True):
        table = pq.read_table(part, columns=["subject_id", "id"])
        pairs = list(zip(table["subject_id"].to_pylist(), table["id"].to_pylist(), strict=True))
        assert pairs == sorted(pairs)  # Python's tuple order, not the writer's sort
        assert len({s for s, _ in pairs}) == expected_subjects
    assert len(exported_ids(snap)) == len(first) + len(second)
