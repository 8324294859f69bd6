"""Ingestion (归集): files and rows → validated, deduplicated records, one transaction per batch.

    ingest_file(engine=…, path=…, source=…)      CSV / XLSX / JSON Lines, kind detected from headers
    ingest_rows(engine=…, rows=…, source=…, kind=…)  dicts keyed by catalogue field names or headers
    retry_quarantined(engine=…, quarantine_id=…, changes={…})  fix a rejected row and resubmit

The batch row, its subjects, records, quarantine rows and transparency-log events are written in
one transaction: a crash or an error leaves the batch wholly in or wholly out. See docs/ingest.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from xinyong.catalogue.schemas import KindSpec
from xinyong.catalogue.service import (
    ColumnMapping,
    detect_kind,
    detect_layout,
    header_units,
    load_catalogue,
    map_columns,
)
from xinyong.ingest import columnar
from xinyong.ingest import normalise as rowpath
from xinyong.ingest.identity import flag_subjects
from xinyong.ingest.models import Batch, QuarantineRow
from xinyong.ingest.orgcode import link_org_codes
from xinyong.ingest.readers import BadRow, Grid, ReaderError, grid_from_rows, read_file
from xinyong.programmes.service import district_of
from xinyong.records.models import Record, RecordVersion, reserve_seq
from xinyong.subjects.merge import merge_chains, record_ingest_moves

Progress = Callable[[int, int], None]  # (rows written, rows to write)
CHUNK = 50_000
SLICE = 100_000  # rows validated and written at a time inside a batch's transaction
LOOKUP_CHUNK = 5_000  # keys per IN (…) query, well under SQLite's 32,766 bound parameters
SQLITE_BULK_CACHE_KIB = -262_144  # negative: KiB, i.e. 256 MiB
RECORD_COLUMNS = (
    "id",
    "kind",
    "subject_id",
    "source",
    "source_record_id",
    "batch_id",
    "occurred_on",
    "publicity_until",
    "valid_until",
    "severity",
    "polarity",
    "disclosure",
    "amount",
    "fields",
    "original",
    "first_seen",
    "last_seen",
    "content_id",
    "version",
    "seq",
)


class IngestError(ReaderError):
    """A batch-level problem (unknown kind, undetectable layout): nothing is written."""


@dataclass
class BatchResult:
    batch: int
    read: int
    accepted: int
    duplicates: int
    rejected: int
    kind: str
    layout: str | None = None
    unknown_columns: list[str] = field(default_factory=list)
    record_ids: list[str] = field(default_factory=list)  # accepted records, in file order
    corrected: int = 0
    corrected_ids: list[str] = field(default_factory=list)  # records a row of the batch corrected (更正)
    header_row: int | None = None  # the sheet row used as header (CSV/XLSX)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # [{row, field, code, zh, en}]

    def summary(self) -> dict[str, int]:
        """The `--json` contract: read == accepted + corrected + duplicates + rejected."""
        return {
            "batch": self.batch,
            "read": self.read,
            "accepted": self.accepted,
            "corrected": self.corrected,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ingest_file(
    *,
    engine: Engine,
    path: Path | str,
    source: str,
    kind: str | None = None,
    submitted_by: str | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> BatchResult:
    """Read a file and ingest it as one batch. Raises ReaderError/IngestError (bilingual) when the
    file as a whole is unusable; bad rows do not raise, they are quarantined."""
    path = Path(path)
    grid = read_file(path)
    return ingest_grid(
        engine=engine,
        grid=grid,
        source=source,
        kind=kind,
        filename=path.name,
        submitted_by=submitted_by,
        progress=progress,
        now=now,
    )


def ingest_rows(
    *,
    engine: Engine,
    rows: Iterable[Mapping[str, object]],
    source: str,
    kind: str,
    filename: str | None = None,
    submitted_by: str | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> BatchResult:
    """Ingest dict rows (keys: catalogue field names or known headers; docs/ingest.md "Row format")."""
    return ingest_grid(
        engine=engine,
        grid=grid_from_rows(rows),
        source=source,
        kind=kind,
        filename=filename,
        submitted_by=submitted_by,
        progress=progress,
        now=now,
    )


def resolve_kind(grid: Grid, kind: str | None) -> tuple[KindSpec, ColumnMapping]:
    cat = load_catalogue()
    if kind is not None:
        if kind not in cat.kinds:
            raise IngestError(
                f"未知的信息类别 {kind}（可选：{', '.join(cat.kinds)}）",
                f"unknown kind {kind!r} (one of {', '.join(cat.kinds)})",
            )
        layout = detect_layout(grid.headers)
        layout = layout if layout and layout.kind == kind else None
    else:
        kind, layout = detect_kind(grid.headers)
        if kind is None:
            raise IngestError(
                "无法根据表头识别信息类别，请用 --kind 指定",
                "cannot tell the record kind from the headers; give --kind",
            )
    return cat.kinds[kind], map_columns(grid.headers, kind, layout)


@dataclass
class _Prepared:
    """Validated rows of a batch, before deduplication against the store."""

    accepted: list[tuple[int, dict[str, Any]]]  # (row number, record dict) from the row path
    columns: dict[str, pa.Array] | None  # columnar records
    column_rows: np.ndarray  # grid row index of each columnar record
    quarantine: list[tuple[int, dict[str, str], list[dict[str, str]]]]
    warnings: list[dict[str, Any]] = field(default_factory=list)  # accepted rows an officer should see


def _mapped_row(grid: Grid, i: int, mapping: ColumnMapping) -> tuple[dict[str, str], dict[str, object]]:
    raw = grid.row(i)
    return raw, {mapping.columns[h]: v for h, v in raw.items() if h in mapping.columns}


def _prepare(spec: KindSpec, mapping: ColumnMapping, grid: Grid, source: str) -> _Prepared:
    units = header_units(spec, mapping)
    norm = columnar.normalise_columns(spec, grid, mapping.columns, units)
    good = np.flatnonzero(~norm.flagged)
    columns = None
    if len(good):
        everything = len(good) == grid.num_rows
        values = (
            norm.values if everything else {k: arr.take(pa.array(good)) for k, arr in norm.values.items()}
        )
        columns = columnar.build_records(spec, source, values, len(good))
        columns["original"] = columnar.original_json(grid, good)
    accepted, quarantine, warnings = [], [], []
    for i in np.flatnonzero(norm.flagged):
        raw, mapped = _mapped_row(grid, int(i), mapping)
        result = rowpath.validate_row(spec, mapped, units)
        number = int(grid.row_numbers[i])
        if result.ok:  # the vectorised check was stricter than the reference: trust the reference
            record = rowpath.build_record(spec, source, result.values)
            record["original"] = rowpath.original_json(raw)
            accepted.append((number, record))
            warnings += [
                {"row": number, "subject_id": record["subject"]["id"], **w.as_dict()} for w in result.warnings
            ]
        else:
            quarantine.append((number, raw, [r.as_dict() for r in result.reasons]))
    for bad in grid.bad_rows:
        quarantine.append((bad.row_number, bad.raw, [_bad_row_reason(bad)]))
    return _Prepared(accepted, columns, good, quarantine, warnings)


def _bad_row_reason(bad: BadRow) -> dict[str, str]:
    r = rowpath.reason(
        None, bad.code, f"（{bad.detail}）" if bad.detail else "", f" ({bad.detail})" if bad.detail else ""
    )
    return r.as_dict()


RECORD_VALUE_COLUMNS = (
    "id",
    "subject_id",
    "fields",
    "source_record_id",
    "occurred_on",
    "valid_until",
    "publicity_until",
    "severity",
    "amount",
    "original",
    "subject_kind",
    "subject_name",
    "subject_uscc",
    "subject_id_number",
    "subject_local_code",
    "subject_legal_rep",
)


def _record_columns(prep: _Prepared, grid: Grid) -> tuple[dict[str, pa.Array], int, np.ndarray]:
    """All valid rows as Arrow columns in file order (row-path rows merged in by row number), their
    count and their row numbers."""
    parts: list[dict[str, pa.Array]] = []
    numbers: list[np.ndarray] = []
    if prep.columns is not None:
        parts.append({k: prep.columns[k] for k in RECORD_VALUE_COLUMNS})
        numbers.append(grid.row_numbers[prep.column_rows])
    if prep.accepted:
        flat = []
        for _, rec in prep.accepted:
            subj = rec["subject"]
            flat.append(
                {
                    **{
                        k: rec[k]
                        for k in (
                            "id",
                            "source_record_id",
                            "occurred_on",
                            "valid_until",
                            "publicity_until",
                            "severity",
                            "amount",
                            "original",
                        )
                    },
                    "subject_id": subj["id"],
                    "fields": rec["fields_json"],
                    **{f"subject_{k}": v for k, v in subj.items() if k != "id"},
                }
            )
        parts.append(
            {
                k: pa.array([f[k] for f in flat], pa.float64() if k == "amount" else pa.string())
                for k in RECORD_VALUE_COLUMNS
            }
        )
        numbers.append(np.array([n for n, _ in prep.accepted], dtype=np.int64))
    if not parts:
        empty = {
            k: pa.array([], pa.float64() if k == "amount" else pa.string()) for k in RECORD_VALUE_COLUMNS
        }
        return empty, 0, np.array([], dtype=np.int64)
    if len(parts) == 1:
        return parts[0], len(parts[0]["id"]), numbers[0]
    cols = {
        k: pa.concat_arrays([p[k].cast(pa.float64() if k == "amount" else pa.string()) for p in parts])
        for k in RECORD_VALUE_COLUMNS
    }
    all_numbers = np.concatenate(numbers)
    order = np.argsort(all_numbers, kind="stable")
    cols = {k: v.take(pa.array(order)) for k, v in cols.items()}
    return cols, len(cols["id"]), all_numbers[order]


def ingest_grid(
    *,
    engine: Engine,
    grid: Grid,
    source: str,
    kind: str | None,
    filename: str | None = None,
    submitted_by: str | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    within: Callable[[Connection, BatchResult], None] | None = None,
) -> BatchResult:
    """The pipeline behind ingest_file/ingest_rows. `within` runs inside the batch's transaction,
    after everything is written (quarantine retry marks its row resolved there).

    The grid is processed in slices of SLICE rows — validated, deduplicated and written one after
    another — inside the one transaction, so memory stays bounded for million-row files."""
    source = (source or "").strip()
    if not source:
        raise IngestError("必须给出数据来源（source）", "a source name is required")
    spec, mapping = resolve_kind(grid, kind)
    grid, mapping = link_org_codes(engine, spec, grid, mapping)  # 组织机构代码 → the USCC containing it
    now = now or _now()
    unknown = mapping.unknown + mapping.duplicate_targets
    total = grid.num_rows
    counts = {"valid": 0, "accepted": 0, "corrected": 0, "moved": 0, "rejected": 0}
    record_ids: list[str] = []
    corrected_ids: list[str] = []
    warnings: list[dict[str, Any]] = []
    with engine.begin() as conn:
        batch_id = conn.execute(
            insert(Batch)
            .values(
                source=source,
                kind=spec.id,
                filename=filename,
                file_sha256=grid.sha256,
                layout=mapping.layout,
                started_at=now,
                read=0,
                accepted=0,
                duplicates=0,
                rejected=0,
                unknown_columns=unknown,
                submitted_by=submitted_by,
            )
            .returning(Batch.id)
        ).scalar_one()
        reserve_seq(conn, 0)  # lock the commit sequence now: batches commit in the order they number
        dedupe = _Dedupe(conn, source, spec.id, total)
        with _bulk_cache(conn, total):
            _write_slices(
                conn,
                spec,
                mapping,
                grid,
                source,
                batch_id,
                dedupe,
                now,
                progress,
                counts,
                record_ids,
                corrected_ids,
                warnings,
            )
        flag_subjects(conn, warnings)
        duplicates = counts["valid"] - counts["accepted"] - counts["corrected"] - counts["moved"]
        result = BatchResult(
            batch=batch_id,
            read=counts["valid"] + counts["rejected"] - counts["moved"],
            accepted=counts["accepted"],
            duplicates=duplicates,
            rejected=counts["rejected"],
            kind=spec.id,
            layout=mapping.layout,
            unknown_columns=unknown,
            record_ids=record_ids,
            corrected=counts["corrected"],
            corrected_ids=corrected_ids,
            header_row=grid.header_row,
            warnings=warnings,
        )
        conn.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(
                finished_at=_now(),
                read=result.read,
                accepted=result.accepted,
                corrected=result.corrected,
                duplicates=result.duplicates,
                rejected=result.rejected,
                header_row=grid.header_row,
                warnings=warnings,
            )
        )
        if within is not None:
            within(conn, result)
    return result


def _write_slices(
    conn: Connection,
    spec: KindSpec,
    mapping: ColumnMapping,
    grid: Grid,
    source: str,
    batch_id: int,
    dedupe: _Dedupe,
    now: dt.datetime,
    progress: Progress | None,
    counts: dict[str, int],
    record_ids: list[str],
    corrected_ids: list[str],
    warnings: list[dict[str, Any]],
) -> None:
    """Validate, deduplicate and write the grid slice by slice (all inside the caller's transaction):
    new records are inserted, corrections add a version, rows that would move a record to another
    subject are quarantined."""
    total = grid.num_rows
    for first in range(0, max(total, 1), SLICE):
        part = grid.slice(first, SLICE, with_bad_rows=first == 0)
        prep = _prepare(spec, mapping, part, source)
        cols, valid, numbers = _record_columns(prep, part)
        ids = cols["id"].to_pylist()
        named = cols["subject_id"].to_pylist()
        chains = _file_under_merged(conn, spec, source, cols, named)
        subjects = cols["subject_id"].to_pylist()
        split = dedupe.split(
            ids, cols["content_id"].to_pylist(), cols["source_record_id"].to_pylist(), subjects
        )
        if split.moved:  # a quarantined row changes nothing, its subject included
            stay = np.setdiff1d(np.arange(valid), np.array([i for i, _, _ in split.moved], dtype=np.int64))
            _upsert_subjects(conn, {k: v.take(pa.array(stay)) for k, v in cols.items()}, source, now)
        else:
            _upsert_subjects(conn, cols, source, now)  # duplicates re-see their subject too
        keep = split.keep
        fresh = (
            {k: v.take(pa.array(keep, pa.int64())) for k, v in cols.items()} if len(keep) < valid else cols
        )
        seq = reserve_seq(conn, len(keep) + len(split.corrections))
        fresh["seq"] = pa.array(range(seq, seq + len(keep)), pa.int64())
        done = first + part.num_rows

        def slice_progress(written: int, _count: int, done: int = done, part: Grid = part) -> None:
            if progress:
                progress(done - part.num_rows + round(written / max(_count, 1) * part.num_rows), total)

        _insert_records(conn, spec, source, batch_id, fresh, now, slice_progress)
        _touch(conn, split.touched, now)
        moved = [
            (int(numbers[i]), json.loads(cols["original"][i].as_py()), [_moved_reason(rid, old, subjects[i])])
            for i, rid, old in split.moved
        ]
        _quarantine(conn, spec, source, batch_id, prep.quarantine + moved, now)
        fresh_ids = [ids[i] for i in keep]
        _log_events(
            conn,
            spec,
            source,
            batch_id,
            fresh_ids,
            fresh["subject_id"].to_pylist(),
            fresh["content_id"].to_pylist(),
        )
        if chains:
            record_ingest_moves(conn, chains, [(ids[i], named[i]) for i in keep], now)
        _apply_corrections(conn, spec, source, batch_id, cols, split.corrections, seq + len(keep), now)
        record_ids += fresh_ids
        corrected_ids += [c.record_id for c in split.corrections]
        warnings += prep.warnings
        counts["valid"] += valid
        counts["accepted"] += len(keep)
        counts["corrected"] += len(split.corrections)
        counts["moved"] += len(moved)
        counts["rejected"] += len(prep.quarantine) + len(moved)
        del prep, cols, fresh, ids
        pa.default_memory_pool().release_unused()  # hand freed Arrow memory back between slices


def _file_under_merged(
    conn: Connection, spec: KindSpec, source: str, cols: dict[str, pa.Array], named: list[str]
) -> dict[str, list[tuple[int, str, str]]]:
    """Rows naming a merged-away subject (xinyong.subjects.merge) are filed under the subject it
    stands for now: `subject_id` becomes that subject and `content_id` the content hash under it,
    while `id` (the record's identity and, if new, its id) stays the hash under the named subject —
    exactly what a record moved by the merge looks like. Sets cols["content_id"]; returns the chains
    of the merged-away subjects named (empty when none is)."""
    chains = merge_chains(conn, set(named))
    cids = cols["id"].to_pylist()
    if chains:
        fields = cols["fields"].to_pylist()
        subjects = list(named)
        for i, sid in enumerate(named):
            if sid in chains:
                subjects[i] = chains[sid][-1][2]
                cids[i] = rowpath.content_id(spec, source, subjects[i], json.loads(fields[i]))
        cols["subject_id"] = pa.array(subjects, pa.string())
    cols["content_id"] = pa.array(cids, pa.string())
    return chains


def _moved_reason(record_id: str, old_subject: str, new_subject: str) -> dict[str, str]:
    return rowpath.Reason(
        "_subject",
        "subject_changed",
        f"更正不能把记录改到另一个信用主体：记录 {record_id} 属于 {old_subject}，此行为 {new_subject}",
        f"a correction may not move a record to another subject: record {record_id} belongs to "
        f"{old_subject}, this row to {new_subject}",
    ).as_dict()


@dataclass
class _Known:
    """What the store holds under one identity."""

    record_id: str
    content_id: str
    subject_id: str
    version: int


@dataclass
class _Correction:
    index: int  # row in the slice's columns
    record_id: str
    previous_content_id: str
    version: int  # the new version's number


@dataclass
class _Split:
    keep: list[int] = field(default_factory=list)  # rows that are new records
    touched: list[str] = field(default_factory=list)  # stored records re-seen unchanged
    corrections: list[_Correction] = field(default_factory=list)
    moved: list[tuple[int, str, str]] = field(default_factory=list)  # (row, record id, its subject)


class _Dedupe:
    """Sorts rows by identity (docs/ingest.md "Record identity"): source + kind + the source's
    record id, or the content hash where the row has no record id. Against the store and the
    store, a row is new, a duplicate (same content), a correction (same identity, other content,
    same subject) or moved (other subject: quarantined). Inside a batch the first row of an
    identity wins and later rows of it are duplicates, so re-running a file adds nothing."""

    def __init__(self, conn: Connection, source: str, kind: str, batch_rows: int) -> None:
        self.conn, self.source, self.kind = conn, source, kind
        self.known: dict[str, _Known] = {}  # "r:<source record id>" or "h:<content hash>" -> state
        self.looked_up: set[str] = set()
        self.seen: set[str] = set()  # identities of earlier rows of the batch
        scope = (Record.source == source, Record.kind == kind)
        stored = conn.execute(select(func.count()).select_from(Record).where(*scope)).scalar_one()
        # Few stored records compared with the batch: read them all once (one indexed range scan).
        # Otherwise (a small batch into a large store) look up each slice's keys.
        self.prefetched = stored <= 4 * batch_rows
        if self.prefetched:
            for row in conn.execute(self._select().where(*scope)):
                self._remember(*row)

    @staticmethod
    def _select():  # noqa: ANN205 - a Select
        return select(
            Record.id, Record.source_record_id, Record.content_id, Record.subject_id, Record.version
        )

    def _remember(self, rid: str, srid: str | None, cid: str, sid: str, version: int) -> None:
        # Without a record id the identity is the record id: the content hash as first collected
        # (its content id differs only once a subject merge filed it under another subject).
        key = "r:" + srid if srid is not None else "h:" + rid
        self.known.setdefault(key, _Known(rid, cid, sid, version))

    def _lookup(self, ids: list[str], srids: list[str | None]) -> None:
        """Fetch the stored records matching these keys (the unique index and the primary key)."""
        wanted = sorted({"r:" + x for x in srids if x is not None} - self.looked_up - self.known.keys())
        self.looked_up.update(wanted)
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            part = [k[2:] for k in wanted[start : start + LOOKUP_CHUNK]]
            for row in self.conn.execute(
                self._select().where(
                    Record.source == self.source, Record.kind == self.kind, Record.source_record_id.in_(part)
                )
            ):
                self._remember(*row)
        hashes = sorted(
            {"h:" + x for x, s in zip(ids, srids, strict=True) if s is None}
            - self.looked_up
            - self.known.keys()
        )
        self.looked_up.update(hashes)
        for start in range(0, len(hashes), LOOKUP_CHUNK):
            part = [k[2:] for k in hashes[start : start + LOOKUP_CHUNK]]
            for row in self.conn.execute(
                self._select().where(
                    Record.id.in_(part), Record.source == self.source, Record.kind == self.kind
                )
            ):
                self._remember(*row)

    def split(self, ids: list[str], cids: list[str], srids: list[str | None], subjects: list[str]) -> _Split:
        """Classify a slice's rows in file order: `ids` the content hashes under the subject each
        row names (the identity of rows without a record id), `cids` under the subject it is filed
        under (differs for a merged-away subject), source record ids, subject ids (filed under)."""
        if not self.prefetched:
            self._lookup(ids, srids)
        out = _Split()
        for i, (rid, cid, srid, sid) in enumerate(zip(ids, cids, srids, subjects, strict=True)):
            key = "r:" + srid if srid is not None else "h:" + rid
            if key in self.seen:
                continue
            self.seen.add(key)
            known = self.known.get(key)
            if known is None:
                out.keep.append(i)
            elif known.content_id == cid:
                out.touched.append(known.record_id)
            elif known.subject_id != sid:
                out.moved.append((i, known.record_id, known.subject_id))
            else:
                out.corrections.append(_Correction(i, known.record_id, known.content_id, known.version + 1))
        return out


def _touch(conn: Connection, dupes: list[str], now: dt.datetime) -> None:
    """A re-seen record's last_seen moves to now (provenance: when we last heard of it). One indexed
    UPDATE per record id, driver-level executemany."""
    if not dupes:
        return
    sqlite = conn.dialect.name == "sqlite"
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    mark = "?" if sqlite else "%s"
    conn.exec_driver_sql(
        f"UPDATE records SET last_seen = {mark} WHERE id = {mark}",
        [(stamp, rid) for rid in sorted(set(dupes))],
    )


def _upsert_subjects(conn: Connection, cols: dict[str, pa.Array], source: str, now: dt.datetime) -> None:
    """New subjects are inserted from their first row; known ones only get last_seen = now (their
    curated details — pilot, carrier, attributes — are not overwritten by a department's file).

    One `INSERT … ON CONFLICT (id) DO UPDATE SET last_seen` per subject, driver-level executemany:
    no lookup of existing ids (an IN (…) list against a table filled in this very transaction has
    no statistics and PostgreSQL may scan it)."""
    first: dict[str, int] = {}
    for i, sid in enumerate(cols["subject_id"].to_pylist()):
        if sid not in first:
            first[sid] = i
    if not first:
        return
    take = pa.array(list(first.values()), pa.int64())
    subj = {
        k: cols[f"subject_{k}"].take(take).to_pylist()
        for k in ("kind", "name", "uscc", "id_number", "local_code", "legal_rep")
    }
    sqlite = conn.dialect.name == "sqlite"
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    rows = []
    for j, sid in enumerate(first):
        code = subj["uscc"][j] or subj["id_number"][j]
        division = (code[2:8] if subj["uscc"][j] else code[:6]) if code else None
        division = division if division and division.isdigit() else None  # passports have none
        rep = subj["legal_rep"][j]
        rows.append(
            (
                sid,
                subj["kind"][j],
                subj["name"][j][:200],
                subj["uscc"][j],
                subj["id_number"][j],
                subj["local_code"][j],
                division,
                district_of(division),
                rep[:100] if rep else None,
                "{}",
                source,
                stamp,
                stamp,
            )
        )
    names = (
        "id",
        "kind",
        "name",
        "uscc",
        "id_number",
        "local_code",
        "division_code",
        "district_code",
        "legal_rep",
        "attributes",
        "source",
        "first_seen",
        "last_seen",
    )
    mark = "?" if sqlite else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO subjects ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))}) "
        "ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen",
        rows,
    )


def _insert_records(
    conn: Connection,
    spec: KindSpec,
    source: str,
    batch_id: int,
    cols: dict[str, pa.Array],
    now: dt.datetime,
    progress: Progress | None,
) -> None:
    """executemany on SQLite, COPY on PostgreSQL (psycopg 3), in the batch's transaction.

    Rows go in primary-key order: the random sha256 ids would otherwise touch a random page of the
    primary-key index per row. On SQLite the page cache is raised for the batch (256 MiB at most, only
    as used), so index pages are not spilled and re-read while the transaction is open."""
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
    total = len(cols["id"])
    order = pc.sort_indices(cols["id"]) if total > 1 else pa.array(range(total), pa.int64())
    pg = conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
    names = ", ".join(RECORD_COLUMNS)
    for start in range(0, total, CHUNK):
        take = order.slice(start, CHUNK)  # take per chunk: no sorted copy of the whole slice
        part = {
            k: cols[k].take(take).to_pylist()
            for k in (
                "id",
                "subject_id",
                "source_record_id",
                "occurred_on",
                "publicity_until",
                "valid_until",
                "severity",
                "amount",
                "fields",
                "original",
                "seq",
                "content_id",
            )
        }
        n = len(part["id"])
        rows = list(
            zip(
                part["id"],
                repeat(spec.id, n),
                part["subject_id"],
                repeat(source, n),
                part["source_record_id"],
                repeat(batch_id, n),
                part["occurred_on"],
                part["publicity_until"],
                part["valid_until"],
                part["severity"],
                repeat(spec.polarity, n),
                repeat(spec.disclosure, n),
                part["amount"],
                part["fields"],
                part["original"],
                repeat(stamp, n),
                repeat(stamp, n),
                part["content_id"],
                repeat(1, n),
                part["seq"],
                strict=True,
            )
        )
        if pg:
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"COPY records ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in RECORD_COLUMNS)
            conn.exec_driver_sql(f"INSERT INTO records ({names}) VALUES ({marks})", rows)
        if progress:
            progress(min(start + CHUNK, total), total)
    if progress and not total:
        progress(0, 0)


@contextmanager
def _bulk_cache(conn: Connection, rows: int) -> Iterator[None]:
    """On SQLite, a larger page cache for a large batch (see _insert_records), then the default again
    for the pooled connection, whatever happens."""
    if conn.dialect.name != "sqlite" or rows <= CHUNK:
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size={SQLITE_BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql("PRAGMA cache_size=-2000")


def raw_digest(kind: str, source: str, raw: Mapping[str, str]) -> str:
    return rowpath.record_id(json.dumps([kind, source, raw], ensure_ascii=False, sort_keys=True))


def _quarantine(
    conn: Connection,
    spec: KindSpec,
    source: str,
    batch_id: int,
    rows: list[tuple[int, dict[str, str], list[dict[str, str]]]],
    now: dt.datetime,
) -> None:
    """Keep rejected rows with every reason. A row identical to one still open in quarantine from
    the same source is counted as rejected again but not stored twice (re-running a file adds nothing)."""
    if not rows:
        return
    digests = [raw_digest(spec.id, source, raw) for _, raw, _ in rows]
    open_already: set[str] = set()
    unique = sorted(set(digests))
    for start in range(0, len(unique), 5000):
        open_already |= set(
            conn.execute(
                select(QuarantineRow.raw_sha256).where(
                    # open: not stored twice; resolved: fixed through quarantine, so the same raw row from a
                    # re-import is recognised and not re-opened (raw_sha256 is the row as first received)
                    QuarantineRow.raw_sha256.in_(unique[start : start + 5000]),
                    QuarantineRow.status.in_(["open", "resolved"]),
                )
            ).scalars()
        )
    new_rows = []
    for (number, raw, reasons), digest in sorted(zip(rows, digests, strict=True), key=lambda t: t[0][0]):
        if digest in open_already:
            continue
        open_already.add(digest)
        new_rows.append(
            {
                "batch_id": batch_id,
                "row_number": number,
                "kind": spec.id,
                "source": source,
                "raw": raw,
                "raw_sha256": digest,
                "reasons": reasons,
                "status": "open",
                "created_at": now,
            }
        )
    for start in range(0, len(new_rows), 5000):
        conn.execute(insert(QuarantineRow), new_rows[start : start + 5000])


def _log_events(
    conn: Connection,
    spec: KindSpec,
    source: str,
    batch_id: int,
    record_ids: list[str],
    subject_ids: list[str],
    content_ids: list[str],
) -> None:
    """One transparency-log leaf per accepted record, in the batch's transaction."""
    if not record_ids:
        return
    from xinyong.ledger.service import append_events

    session = Session(bind=conn)
    append_events(
        session,
        [
            {
                "type": "record.collected",
                "record_id": rid,
                "kind": spec.id,
                "subject_id": sid,
                "batch_id": batch_id,
                "source": source,
                "content_id": cid,
            }
            for rid, sid, cid in zip(record_ids, subject_ids, content_ids, strict=True)
        ],
    )
    session.flush()


_VERSION_COPY = (
    "content_id",
    "seq",
    "batch_id",
    "occurred_on",
    "publicity_until",
    "valid_until",
    "severity",
    "amount",
    "fields",
    "original",
)


def _apply_corrections(
    conn: Connection,
    spec: KindSpec,
    source: str,
    batch_id: int,
    cols: dict[str, pa.Array],
    corrections: list[_Correction],
    seq: int,
    now: dt.datetime,
) -> None:
    """Store each correction as a new version (更正), in file order, in the batch's transaction:
    version 1 is first copied from the record row into record_versions (when the record has no
    versions yet), then the new version is added, the record row takes the new content, and a
    `record.corrected` leaf commits to the previous and the new content id."""
    if not corrections:
        return
    take = pa.array([c.index for c in corrections], pa.int64())
    part = {
        k: cols[k].take(take).to_pylist()
        for k in (
            "id",
            "subject_id",
            "occurred_on",
            "publicity_until",
            "valid_until",
            "severity",
            "amount",
            "fields",
            "original",
            "content_id",
        )
    }
    first_copies = sorted({c.record_id for c in corrections if c.version == 2})
    for start in range(0, len(first_copies), LOOKUP_CHUNK):
        chunk = first_copies[start : start + LOOKUP_CHUNK]
        conn.execute(
            insert(RecordVersion).from_select(
                ["record_id", "version", "recorded_at", *_VERSION_COPY],
                select(
                    Record.id, Record.version, Record.first_seen, *(getattr(Record, c) for c in _VERSION_COPY)
                ).where(Record.id.in_(chunk), Record.version == 1),
            )
        )
    day = dt.date.fromisoformat
    versions, changes = [], {}
    for j, c in enumerate(corrections):
        content = {
            "occurred_on": day(part["occurred_on"][j]) if part["occurred_on"][j] else None,
            "publicity_until": day(part["publicity_until"][j]) if part["publicity_until"][j] else None,
            "valid_until": day(part["valid_until"][j]) if part["valid_until"][j] else None,
            "severity": part["severity"][j],
            "amount": part["amount"][j],
            "fields": json.loads(part["fields"][j]),
            "original": json.loads(part["original"][j]),
        }
        common = {
            **content,
            "content_id": part["content_id"][j],
            "version": c.version,
            "seq": seq + j,
            "batch_id": batch_id,
        }
        versions.append({"record_id": c.record_id, "recorded_at": now, **common})
        changes[c.record_id] = {
            "rid": c.record_id,
            "last_seen": now,
            **common,
        }  # corrected twice: the last wins
    conn.execute(insert(RecordVersion), versions)
    conn.execute(update(Record).where(Record.id == bindparam("rid")), list(changes.values()))
    from xinyong.ledger.service import append_events

    session = Session(bind=conn)
    append_events(
        session,
        [
            {
                "type": "record.corrected",
                "record_id": c.record_id,
                "kind": spec.id,
                "subject_id": part["subject_id"][j],
                "batch_id": batch_id,
                "source": source,
                "content_id": part["content_id"][j],
                "previous_content_id": c.previous_content_id,
                "version": c.version,
            }
            for j, c in enumerate(corrections)
        ],
    )
    session.flush()


# --- quarantine --------------------------------------------------------------------------------


def list_quarantine(
    *,
    engine: Engine,
    batch: int | None = None,
    status: str | None = "open",
    limit: int = 200,
    offset: int = 0,
) -> list[QuarantineRow]:
    with Session(engine) as session:
        query = select(QuarantineRow).order_by(QuarantineRow.id).limit(limit).offset(offset)
        if batch is not None:
            query = query.where(QuarantineRow.batch_id == batch)
        if status:
            query = query.where(QuarantineRow.status == status)
        return list(session.scalars(query))


def get_quarantine(*, engine: Engine, quarantine_id: int) -> QuarantineRow:
    with Session(engine) as session:
        row = session.get(QuarantineRow, quarantine_id)
        if row is None:
            raise IngestError(
                f"隔离区没有编号为 {quarantine_id} 的记录", f"no quarantined row {quarantine_id}"
            )
        return row


def get_batch(*, engine: Engine, batch_id: int) -> Batch:
    with Session(engine) as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise IngestError(f"没有编号为 {batch_id} 的批次", f"no batch {batch_id}")
        return batch


def apply_changes(spec: KindSpec, raw: Mapping[str, str], changes: Mapping[str, str]) -> dict[str, str]:
    """Set fields of a quarantined row: a key may be a header of the row or a catalogue field
    (name or any alias); a field already present under some header is replaced there."""
    from xinyong.catalogue.headers import stated_unit, without_unit
    from xinyong.catalogue.service import header_index, normalise_header

    out = {k: v for k, v in raw.items() if k != "_line"}
    index = header_index(spec.id)

    def field_of(header: str) -> str | None:
        return index.get(normalise_header(header)) or index.get(without_unit(header) or "")

    by_field = {field_of(h): h for h in out}
    for key, value in changes.items():
        target = field_of(key)
        header = key if key in out else by_field.get(target) if target else None
        if header and header != key and stated_unit(key) and stated_unit(key) != stated_unit(header):
            del out[header]  # `罚款金额（万元）=3.47` for a `罚款金额` column: the unit is now stated
            header = None
        out[header or key] = value
    return out


@dataclass
class RetryResult:
    quarantine_id: int
    status: str  # "resolved" | "open"
    batch: int | None = None
    record_id: str | None = None
    duplicate: bool = False
    reasons: list[dict[str, str]] = field(default_factory=list)


def _open_row(engine: Engine, quarantine_id: int) -> tuple[QuarantineRow, Batch, KindSpec]:
    """The open quarantined row, its batch and its kind; IngestError when unknown or already closed."""
    q = get_quarantine(engine=engine, quarantine_id=quarantine_id)
    if q.status != "open":
        raise IngestError(
            f"隔离记录 {quarantine_id} 已处理", f"quarantined row {quarantine_id} is already {q.status}"
        )
    batch = get_batch(engine=engine, batch_id=q.batch_id)
    return q, batch, load_catalogue().kinds[q.kind or batch.kind]


def _validate_raw(spec: KindSpec, raw: Mapping[str, str]) -> tuple[Grid, ColumnMapping, rowpath.RowResult]:
    """A quarantined row as a one-row grid, mapped with the same header mapping (and layout) as the
    original file, and validated by the row path."""
    grid = grid_from_rows([dict(raw)])
    _, mapping = resolve_kind(grid, spec.id)
    mapped = {mapping.columns[h]: v for h, v in raw.items() if h in mapping.columns}
    return grid, mapping, rowpath.validate_row(spec, mapped, units=header_units(spec, mapping))


def _resubmit(
    engine: Engine,
    q: QuarantineRow,
    batch: Batch,
    spec: KindSpec,
    raw: Mapping[str, str],
    values: Mapping[str, str],
    *,
    filename: str,
    submitted_by: str | None,
    now: dt.datetime,
    also: Callable[[Connection], None] | None = None,
) -> RetryResult:
    """Import a validated quarantined row in a one-row batch from the same source; in that batch's
    transaction the row is marked resolved (and `also` runs: the irregular-code judgement). A row the
    batch still rejects (a correction that would move a record to another subject) stays open."""

    def resolve(conn: Connection, done: BatchResult) -> None:
        if done.rejected:
            return
        conn.execute(
            update(QuarantineRow)
            .where(QuarantineRow.id == q.id)
            .values(raw=dict(raw), status="resolved", resolved_batch_id=done.batch, resolved_at=now)
        )  # raw_sha256 stays the row as first received
        if also is not None:
            also(conn)

    done = ingest_grid(
        engine=engine,
        grid=grid_from_rows([dict(raw)]),
        source=batch.source,
        kind=spec.id,
        filename=filename,
        submitted_by=submitted_by,
        now=now,
        within=resolve,
    )
    if done.rejected:
        with Session(engine) as session:
            again = session.scalars(select(QuarantineRow).where(QuarantineRow.batch_id == done.batch)).first()
            reasons = list(again.reasons) if again else list(q.reasons)  # the same row is kept once
        return RetryResult(q.id, "open", batch=done.batch, reasons=reasons)
    record = rowpath.build_record(spec, batch.source, values)
    record_id = (done.record_ids or done.corrected_ids or [record["id"]])[0]
    return RetryResult(
        q.id, "resolved", batch=done.batch, record_id=record_id, duplicate=done.duplicates == 1
    )


def retry_quarantined(
    *,
    engine: Engine,
    quarantine_id: int,
    changes: Mapping[str, str] | None = None,
    submitted_by: str | None = None,
    now: dt.datetime | None = None,
) -> RetryResult:
    """Apply `changes` to a quarantined row and resubmit it. On success the row becomes a record
    (in a new one-row batch from the same source) and the quarantine row is marked resolved; on
    failure the row keeps its place, with the changes applied and its reasons updated."""
    now = now or _now()
    q, batch, spec = _open_row(engine, quarantine_id)
    raw = apply_changes(spec, q.raw, changes or {})
    _, _, result = _validate_raw(spec, raw)
    if not result.ok:
        reasons = [r.as_dict() for r in result.reasons]
        with engine.begin() as conn:
            conn.execute(
                update(QuarantineRow)
                .where(QuarantineRow.id == quarantine_id)
                .values(raw=raw, reasons=reasons)
            )  # raw_sha256 stays the row as first received
        return RetryResult(quarantine_id, "open", reasons=reasons)
    return _resubmit(
        engine,
        q,
        batch,
        spec,
        raw,
        result.values,
        filename=f"quarantine:{quarantine_id}",
        submitted_by=submitted_by,
        now=now,
    )


def accept_irregular_code(
    *, engine: Engine, quarantine_id: int, officer: str, reason: str, now: dt.datetime | None = None
) -> RetryResult:
    """Accept a quarantined row whose only problem is a registered code failing GB 32100, as an
    irregular registered code (ingest/irregular.py): imported unchanged, the subject flagged, the
    judgement (officer, reason) in the ledger. Raises IrregularCodeError when there is no reason or
    officer, or the row has other problems (fix those with retry first); IngestError when the row is
    unknown or already closed."""
    from xinyong.ingest.irregular import IrregularCodeError, accepting, mark_subject

    now = now or _now()
    reason, officer = (reason or "").strip(), (officer or "").strip()
    if not reason or not officer:
        raise IrregularCodeError(
            "接受不规范代码必须写明理由和经办人", "accepting an irregular code needs a reason and an officer"
        )
    q, batch, spec = _open_row(engine, quarantine_id)
    if {r["code"] for r in q.reasons} != {"uscc"}:
        raise IrregularCodeError(
            f"隔离记录 {quarantine_id} 不是仅因统一社会信用代码校验失败而被拒",
            f"quarantined row {quarantine_id} is not rejected for its USCC check alone",
        )
    _, mapping, _ = _validate_raw(spec, q.raw)
    header = next(h for h, f in mapping.columns.items() if f == spec.subject.uscc)
    code = rowpath.code_text(rowpath.clean_text(q.raw[header]) or "")
    with accepting(code):
        _, _, result = _validate_raw(spec, q.raw)
        if not result.ok:
            raise IrregularCodeError(
                f"隔离记录 {quarantine_id} 仍有其他问题",
                f"quarantined row {quarantine_id} has other problems",
            )
        subject_id = rowpath.build_record(spec, batch.source, result.values)["subject"]["id"]
        return _resubmit(
            engine,
            q,
            batch,
            spec,
            q.raw,
            result.values,
            filename=f"quarantine:{quarantine_id}:irregular",
            submitted_by=officer,
            now=now,
            also=lambda conn: mark_subject(conn, subject_id, code, reason, officer, quarantine_id, now),
        )


REJECT_CODE = "rejected_by_officer"


def reject_quarantined(
    *,
    engine: Engine,
    quarantine_id: int,
    reason: str,
    rejected_by: str | None = None,
    now: dt.datetime | None = None,
) -> QuarantineRow:
    """Close an open quarantined row without a record: status "rejected". The validation reasons are
    kept and the officer's reason is appended as one more reason (code `rejected_by_officer`), so
    the decision is recorded beside what the row failed on, never in place of it.

    Raises IngestError when the row is unknown, already closed, or `reason` is blank."""
    reason = (reason or "").strip()
    if not reason:
        raise IngestError("驳回须填写原因", "a reason is required to reject a row")
    now = now or _now()
    q = get_quarantine(engine=engine, quarantine_id=quarantine_id)
    if q.status != "open":
        raise IngestError(
            f"隔离记录 {quarantine_id} 已处理", f"quarantined row {quarantine_id} is already {q.status}"
        )
    who = rejected_by or "—"
    entry = {
        "field": "",
        "code": REJECT_CODE,
        "zh": f"已驳回（{who}，{now:%Y-%m-%d %H:%M}）：{reason}",
        "en": f"rejected by {who} at {now:%Y-%m-%d %H:%M}: {reason}",
    }
    with engine.begin() as conn:
        conn.execute(
            update(QuarantineRow)
            .where(QuarantineRow.id == quarantine_id, QuarantineRow.status == "open")
            .values(status="rejected", reasons=[*q.reasons, entry], resolved_at=now)
        )
    return get_quarantine(engine=engine, quarantine_id=quarantine_id)
