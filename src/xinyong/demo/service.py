"""Build the demo database through the real pipeline.

Subjects (with pilot, carrier parent, industry, attributes) go in through
`xinyong.subjects.service.upsert_subjects`; records through `xinyong.ingest.service.ingest_rows`,
one batch per (kind, source department) and chunk, exactly as a department's push would. So the
demo exercises normalisation, validation, dedup, provenance and the transparency log.

The build streams: `chunk` subjects at a time are generated, upserted, their records generated and
ingested, then dropped, so `--subjects 1000000` runs in bounded memory.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from xinyong import clock
from xinyong.demo.generator import DemoConfig, DemoSubject, extra_subjects, pilot_subjects
from xinyong.demo.records import RecordMaker
from xinyong.ingest.service import ingest_rows
from xinyong.programmes.schemas import Programme
from xinyong.programmes.service import load_programmes
from xinyong.records.models import Record
from xinyong.store.db import make_engine, normalise_url, session_scope
from xinyong.store.migrate import upgrade
from xinyong.subjects.models import Subject
from xinyong.subjects.service import subject_id_for, upsert_subjects

Progress = Callable[[int, int], None]  # (subjects done, subjects to do)


@dataclass
class BuildReport:
    subjects: int = 0
    records: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    seconds: float = 0.0
    by_kind: Counter = field(default_factory=Counter)
    rejected_reasons: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # demo logins created by this build
    evaluations: dict[str, int] = field(default_factory=dict)  # model id → subjects graded
    steps: dict[str, dict] = field(default_factory=dict)  # demo step module → what it made


# Domains that add demo activity after subjects, records, logins and grades exist (lists, draws,
# commitments, repair, points, financing …). Each module has
# `seed_demo(*, engine, as_of: date, now: datetime | None) -> dict` (idempotent; returns counts for the
# build report). Order matters: a step may use what an earlier one made. A step that makes something
# with an expiry (a score grant …) also takes `built_on: date` — the day the demo is built (today in
# XINYONG_TIMEZONE, `clock.today`) — and dates the expiry from it, so the demo is not stale the day
# after its documented as-of date (docs/demo.md "Dates").
DEMO_STEPS: list[str] = [
    "xinyong.lists.demo",
    "xinyong.commitments.demo",
    "xinyong.repair.demo",
    "xinyong.draws.demo",
    "xinyong.alerts.demo",
    "xinyong.incentives.demo",
    "xinyong.financing.demo",
    "xinyong.points.demo",
    "xinyong.medical.demo",
]


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database)
    return None


def reset_sqlite(url: str) -> None:
    """Rebuilding recreates an SQLite demo from scratch: delete the file and its WAL/SHM."""
    path = sqlite_path(url)
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def subject_count(url: str) -> int:
    """Subjects in the database at url; 0 when it is missing, empty or not migrated."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return 0
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Subject)).scalar_one()
    except Exception:  # noqa: BLE001 - no table yet means "empty"
        return 0
    finally:
        engine.dispose()


def pilot_total(programmes: Iterable[Programme], config: DemoConfig) -> int:
    """How many pilot subjects the generator makes (for the progress bar and --subjects padding)."""
    makers, subjects = pilot_subjects(tuple(programmes), config)
    return sum(1 for _ in subjects)


def all_subjects(programmes: tuple[Programme, ...], config: DemoConfig) -> tuple[int, Iterator[DemoSubject]]:
    """(total, iterator): the pilots, then generic subjects up to config.subjects."""
    pilots = pilot_total(programmes, config)
    extra = max(0, config.subjects - pilots)
    makers, subjects = pilot_subjects(programmes, config)
    # extra_subjects is lazy: generic subjects draw their codes only after the pilots have.
    return pilots + extra, chain(subjects, extra_subjects(makers, extra))


def subject_row(s: DemoSubject, source: str) -> dict:
    """The upsert_subjects row of a generated subject; parents are always organisations."""
    return {
        "kind": s.kind,
        "name": s.name,
        "uscc": s.uscc,
        "id_number": s.id_number,
        "local_code": s.local_code,
        "district_code": s.district_code,
        "legal_rep": s.legal_rep,
        "industry": s.industry,
        "address": s.address,
        "registered_on": s.registered_on,
        "pilot": s.pilot,
        "parent_id": subject_id_for("org", s.parent_key) if s.parent_key else None,
        "attributes": s.attributes,
        "source": source,
    }


def build_demo(
    *,
    url: str,
    config: DemoConfig | None = None,
    programmes_dir: Path | None = None,
    chunk: int = 20_000,
    fresh: bool = True,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    evaluate: bool = True,
    built_on: dt.date | None = None,
) -> BuildReport:
    """Build (or rebuild) the demo at url. SQLite with fresh=True starts from an empty file; on
    PostgreSQL a rebuild with the same seed adds nothing (subjects upsert, records deduplicate).
    Grades and records are as of `config.end`; expiries count from `built_on` (default: today,
    Asia/Shanghai)."""
    config = config or DemoConfig()
    started = time.perf_counter()
    if fresh:
        reset_sqlite(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    upgrade(url)
    engine = make_engine(url)
    report = BuildReport()
    try:
        programmes = load_programmes(programmes_dir)
        total, subjects = all_subjects(programmes, config)
        makers: dict[str, RecordMaker] = {}
        done = 0
        if progress:
            progress(0, total)
        while part := list(islice(subjects, chunk)):
            _write_chunk(engine, part, makers, config, report, now)
            done += len(part)
            if progress:
                progress(done, total)
        report.subjects = done
        # Demo logins (docs/accounts.md): city admin, two district offices, a department, a bank and
        # a 和平 pilot merchant bound to a subject that now exists. Idempotent.
        from xinyong.accounts.service import seed_demo_users

        report.accounts = seed_demo_users(engine, now=now)
        if evaluate:
            report.evaluations = _evaluate(engine, config, url)
            report.steps = run_demo_steps(
                engine, as_of=config.end, now=now, built_on=built_on or clock.today(now)
            )
    finally:
        engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


def _evaluate(engine: Engine, config: DemoConfig, url: str) -> dict[str, int]:
    """Grade the demo with every shipped model as of the day its data ends, so the console and the
    public cards show grades and reasons from the first start. The Parquet snapshot sits beside an
    SQLite file, so two demo databases never share one."""
    from xinyong.evaluation.service import evaluate_all
    from xinyong.settings import get_settings

    path = sqlite_path(url)
    snapshot = (path.parent if path else get_settings().data_dir) / "snapshot"
    runs = evaluate_all(engine, as_of=config.end, snapshot_dir=snapshot)
    return {run.model_id: run.subjects for run in runs}


def run_demo_steps(
    engine: Engine, *, as_of: dt.date, now: dt.datetime | None, built_on: dt.date | None = None
) -> dict[str, dict]:
    """Run every DEMO_STEPS module's seed_demo in order; {module: its counts}. `built_on` (default
    today) goes to the steps that take it (those whose data expire)."""
    import importlib
    import inspect

    built_on = built_on or clock.today(now)
    out: dict[str, dict] = {}
    for name in DEMO_STEPS:
        seed = importlib.import_module(name).seed_demo
        extra = {"built_on": built_on} if "built_on" in inspect.signature(seed).parameters else {}
        out[name] = seed(engine=engine, as_of=as_of, now=now, **extra)
    return out


def _write_chunk(
    engine: Engine,
    part: list[DemoSubject],
    makers: dict[str, RecordMaker],
    config: DemoConfig,
    report: BuildReport,
    now: dt.datetime | None,
) -> None:
    with session_scope(engine) as session:
        upsert_subjects(session, [subject_row(s, "市场主体登记（演示）") for s in part], now=now)
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for s in part:
        maker = makers.get(s.district_code)
        if maker is None:
            maker = makers[s.district_code] = RecordMaker(config, s.district_code, s.district_name)
        for row in maker.records(s):
            groups[(row.kind, row.source)].append(row.row)
    for (kind, source), rows in sorted(groups.items()):
        result = ingest_rows(engine=engine, rows=rows, source=source, kind=kind, filename="demo", now=now)
        report.batches += 1
        report.records += result.accepted
        report.duplicates += result.duplicates
        report.rejected += result.rejected
        report.by_kind[kind] += result.accepted


def district_counts(engine: Engine) -> dict[str, tuple[int, int]]:
    """{district_code: (subjects, records)} straight from the store."""
    with engine.connect() as conn:
        subjects = dict(
            conn.execute(select(Subject.district_code, func.count()).group_by(Subject.district_code)).all()
        )
        records = dict(
            conn.execute(
                select(Subject.district_code, func.count())
                .select_from(Record)
                .join(Subject, Subject.id == Record.subject_id)
                .group_by(Subject.district_code)
            ).all()
        )
    return {
        code: (subjects.get(code, 0), records.get(code, 0)) for code in set(subjects) | set(records) if code
    }
