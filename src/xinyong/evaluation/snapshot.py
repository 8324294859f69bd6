"""Incremental Parquet export of the operational store: the analytical snapshot every engine reads.

Layout (see engines.py):
- `records/part-NNNNNN.parquet`: only records whose commit sequence number `seq` is above the
  previous export's watermark (new or corrected since; docs/ingest.md "Commit sequence"). Sequence
  numbers are handed out in commit order, so a batch that began before an export and committed after
  it still lands above the watermark: nothing is missed, nothing exported twice. A corrected record
  is exported again with its new version and replaces the old copy (readers keep the newest part). Dates become integer day numbers (`occurred_day`, …), the
  catalogue fields of `fields` become string columns `f_<name>`, and `_part` is the part number. When
  a part re-exports an id that an earlier part holds, the manifest flags `superseded` and readers keep
  the newest copy. `--full` rewrites one compact part. Each part is sorted by (subject_id, id): a
  subject's records lie together, so the engines' GROUP BY subject meets each group in runs (about
  a third less aggregation time in DuckDB at 1 M subjects, bench/RESULTS.md, issue #16).
- `subjects/part-000000.parquet`, `manual_scores/part-000000.parquet`: rewritten each export (small).
- `record_status/part-000000.parquet`: every record status event (xinyong.status: record_id, the status
  it leads to, effective_day), rewritten each export; the compiler excludes records whose status is
  withdrawn (repaired, upheld, revoked, erased: the disclosure policy's `counts_in_evaluation`) as of
  the date.
- `manifest.json`: `records_seq` (the watermark: highest `seq` exported), parts, superseded flag,
  export time. A manifest without `records_seq` (written before sequence numbers) means a full export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from xinyong.evaluation.compiler import MANUAL_SCHEMA, RECORDS_CORE, STATUS_SCHEMA, SUBJECTS_SCHEMA
from xinyong.evaluation.semantics import attribute_column, day, field_column
from xinyong.records.models import Record
from xinyong.status.models import StatusEvent
from xinyong.subjects.models import Subject

_ARROW = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "float64": pa.float64()}
CHUNK = 50_000


def field_text(value: Any) -> str | None:
    """Catalogue field values as the string the engines compare (numbers in plain decimal form)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int | Decimal):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def record_row(rec: Record) -> dict[str, Any]:
    """One Record → the snapshot row (also what the python engine evaluates for one subject)."""
    row = {
        "id": rec.id,
        "kind": rec.kind,
        "subject_id": rec.subject_id,
        "occurred_day": day(rec.occurred_on),
        "publicity_until_day": day(rec.publicity_until),
        "valid_until_day": day(rec.valid_until),
        "severity": rec.severity,
        "polarity": rec.polarity,
        "disclosure": rec.disclosure,
        "source": rec.source,
        "amount": float(rec.amount) if rec.amount is not None else None,
    }
    for key, value in (rec.fields or {}).items():
        row[field_column(key)] = field_text(value)
    return row


def status_rows(session: Session, record_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Status events as the engines read them: (record_id, status after the event, effective_day)."""
    stmt = select(StatusEvent.record_id, StatusEvent.status, StatusEvent.effective_on).order_by(
        StatusEvent.id
    )
    if record_ids is not None:
        stmt = stmt.where(StatusEvent.record_id.in_(record_ids))
    return [
        {"record_id": rid, "status": status, "effective_day": day(on)}
        for rid, status, on in session.execute(stmt)
    ]


def subject_row(s: Subject) -> dict[str, Any]:
    row = {"id": s.id, "kind": s.kind, "district_code": s.district_code, "parent_id": s.parent_id}
    for key, value in (s.attributes or {}).items():
        row[attribute_column(key)] = field_text(value)
    return row


def rows_to_table(
    rows: list[dict[str, Any]], schema: dict[str, str], *, extra_strings: bool = False
) -> pa.Table:
    cols = dict(schema)
    if extra_strings:
        for r in rows:
            for k in r:
                cols.setdefault(k, "string")
    return pa.table({c: pa.array([r.get(c) for r in rows], type=_ARROW[t]) for c, t in cols.items()})


def records_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Snapshot rows of one records part, sorted by (subject_id, id): the part's layout."""
    table = rows_to_table(rows, {**RECORDS_CORE, "_part": "int64"}, extra_strings=True)
    return table.sort_by([("subject_id", "ascending"), ("id", "ascending")])


def write_tables(
    out: Path,
    *,
    subjects: list[dict[str, Any]],
    records: list[dict[str, Any]],
    manual: list[dict[str, Any]] = (),
    status: list[dict[str, Any]] | None = None,
) -> Path:
    """Write rows as a one-part snapshot (tests, the benchmark and the what-if evaluator use it)."""
    for name in ("subjects", "records", "manual_scores", "record_status"):
        (out / name).mkdir(parents=True, exist_ok=True)
        for old in (out / name).glob("*.parquet"):
            old.unlink()
    pq.write_table(
        rows_to_table(subjects, SUBJECTS_SCHEMA, extra_strings=True), out / "subjects" / "part-000000.parquet"
    )
    recs = [{**r, "_part": 0} for r in records]
    pq.write_table(records_table(recs), out / "records" / "part-000000.parquet")
    pq.write_table(rows_to_table(list(manual), MANUAL_SCHEMA), out / "manual_scores" / "part-000000.parquet")
    if status is not None:
        pq.write_table(rows_to_table(status, STATUS_SCHEMA), out / "record_status" / "part-000000.parquet")
    (out / "manifest.json").write_text(
        json.dumps({"version": 1, "parts": [0], "superseded": False}), encoding="utf-8"
    )
    return out


@dataclass(frozen=True)
class ExportStats:
    records: int
    subjects: int
    manual_scores: int
    part: int | None
    superseded: bool


def _chunks(session: Session, since: int | None) -> Iterator[list[Record]]:
    stmt = select(Record).order_by(Record.seq, Record.id)
    if since is not None:
        stmt = stmt.where(Record.seq > since)
    batch: list[Record] = []
    for rec in session.scalars(stmt.execution_options(yield_per=CHUNK)):
        batch.append(rec)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_records(path: Path, part: int, chunks: Iterable[list[Record]]) -> tuple[int, int | None]:
    """Write the part; columns are the union of fields seen, so the writer starts after one pass."""
    rows: list[dict[str, Any]] = []
    watermark = None
    for chunk in chunks:
        for rec in chunk:
            rows.append({**record_row(rec), "_part": part})
            if rec.seq is not None and (watermark is None or rec.seq > watermark):
                watermark = rec.seq
    if rows:
        pq.write_table(records_table(rows), path)
    return len(rows), watermark


def _overlaps(old_parts: list[Path], new_part: Path) -> bool:
    import duckdb

    if not old_parts:
        return False
    olds = "[" + ", ".join(f"'{p.as_posix()}'" for p in old_parts) + "]"
    q = (
        f"SELECT count(*) FROM read_parquet('{new_part.as_posix()}') n "
        f"JOIN read_parquet({olds}, union_by_name=true) o USING (id)"
    )
    con = duckdb.connect()
    try:
        return con.execute(q).fetchall()[0][0] > 0
    finally:
        con.close()


def _export_small(engine: Engine, session: Session, out: Path) -> tuple[int, int]:
    from xinyong.evaluation.models import ManualScore

    # A merged-away subject (主体合并) is graded as the subject it was merged into, not on its own.
    subjects = [subject_row(s) for s in session.scalars(select(Subject).where(Subject.merged_into.is_(None)))]
    (out / "subjects").mkdir(parents=True, exist_ok=True)
    pq.write_table(
        rows_to_table(subjects, SUBJECTS_SCHEMA, extra_strings=True), out / "subjects" / "part-000000.parquet"
    )
    manual = [
        {
            "subject_id": m.subject_id,
            "model_id": m.model_id,
            "indicator_id": m.indicator_id,
            "value_milli": m.value_milli,
            "effective_day": day(m.effective_on),
            "seq": m.id,
        }
        for m in session.scalars(select(ManualScore))
    ]
    (out / "manual_scores").mkdir(parents=True, exist_ok=True)
    pq.write_table(rows_to_table(manual, MANUAL_SCHEMA), out / "manual_scores" / "part-000000.parquet")
    (out / "record_status").mkdir(parents=True, exist_ok=True)
    pq.write_table(
        rows_to_table(status_rows(session), STATUS_SCHEMA), out / "record_status" / "part-000000.parquet"
    )
    return len(subjects), len(manual)


def export_snapshot(engine: Engine, out: Path, *, full: bool = False) -> ExportStats:
    """Export new/changed records since the last export (all with `full`), plus subjects and manual scores."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "records").mkdir(exist_ok=True)
    man_path = out / "manifest.json"
    man = json.loads(man_path.read_text(encoding="utf-8")) if man_path.exists() and not full else {}
    source = hashlib.sha256(engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    if man and (man.get("source") != source or "records_seq" not in man):
        full, man = (
            True,
            {},
        )  # another database's snapshot, or one by time stamps: its watermark means nothing here
    if full:
        for old in (out / "records").glob("*.parquet"):
            old.unlink()
    since = man.get("records_seq")
    parts: list[int] = man.get("parts", [])
    part = (max(parts) + 1) if parts else 0
    path = out / "records" / f"part-{part:06d}.parquet"
    with Session(engine) as session:
        n, watermark = _write_records(path, part, _chunks(session, since))
        n_subjects, n_manual = _export_small(engine, session, out)
    superseded = bool(man.get("superseded"))
    if n:
        superseded = superseded or _overlaps([out / "records" / f"part-{p:06d}.parquet" for p in parts], path)
        parts = [*parts, part]
    new_man = {
        "version": 1,
        "source": source,
        "parts": parts,
        "superseded": superseded,
        "records_seq": watermark if watermark is not None else since,
        "exported_at": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
    }
    man_path.write_text(json.dumps(new_man, indent=1), encoding="utf-8")
    return ExportStats(
        records=n,
        subjects=n_subjects,
        manual_scores=n_manual,
        part=part if n else None,
        superseded=superseded,
    )
