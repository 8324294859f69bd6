"""One transaction per batch: an error or a SIGKILL mid-batch leaves nothing of the batch behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ingest_files import penalty_2, write_csv
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.ingest import service
from xinyong.ingest.models import Batch, QuarantineRow
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


def counts(engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t)) for t in (Batch, Record, Subject, QuarantineRow)
        )


def test_an_exception_after_the_records_are_written_rolls_everything_back(tmp_path, engine, monkeypatch):
    rows = [penalty_2(i) for i in range(1, 200)] + [penalty_2(999, **{"处罚决定日期": "2023-02-30"})]
    path = write_csv(tmp_path / "p.csv", rows)
    seen = {}

    def explode(conn, *args):  # noqa: ANN001, ANN002
        seen["records"] = conn.execute(select(func.count()).select_from(Record)).scalar_one()
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_log_events", explode)
    with pytest.raises(RuntimeError):
        service.ingest_file(engine=engine, path=path, source="s")
    assert seen["records"] == 199  # they were written, inside the transaction …
    assert counts(engine) == (0, 0, 0, 0)  # … and are gone with it
    monkeypatch.undo()
    result = service.ingest_file(engine=engine, path=path, source="s")
    assert (result.accepted, result.rejected) == (199, 1)


CHILD = textwrap.dedent("""
    import sys
    from xinyong.ingest import service
    from xinyong.store.db import make_engine

    service.CHUNK = 1000  # several chunks, so the kill lands between two of them

    def progress(done, total):
        if done >= 3000:
            print("WRITING", done, flush=True)
            sys.stdin.readline()  # wait here, inside the open transaction, to be killed

    service.ingest_file(engine=make_engine(sys.argv[1]), path=sys.argv[2], source="s", progress=progress)
    print("COMMITTED", flush=True)
""")


def test_sigkill_mid_batch_leaves_the_batch_wholly_out(tmp_path: Path, db_url, engine):
    path = write_csv(tmp_path / "big.csv", [penalty_2(i) for i in range(1, 12_001)])
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, str(script), db_url, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("WRITING"), line
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert counts(engine) == (0, 0, 0, 0)
    result = service.ingest_file(engine=engine, path=path, source="s")  # the store is usable, not locked
    assert result.accepted == 12_000


def test_slices_of_a_batch_give_the_same_result_as_one_pass(tmp_path, engine, monkeypatch):
    rows = [penalty_2(i % 13) for i in range(40)] + [penalty_2(50, **{"处罚决定日期": "2023-02-30"})]
    path = write_csv(tmp_path / "p.csv", rows)
    data = path.read_bytes()
    path.write_bytes(data + "天津某某公司,法人及非法人组织\n".encode())  # a short row at the end
    whole = service.ingest_file(engine=engine, path=path, source="s")
    from xinyong.store.db import make_engine
    from xinyong.store.migrate import upgrade

    other_url = f"sqlite:///{tmp_path / 'sliced.db'}"
    upgrade(other_url)
    other = make_engine(other_url)
    monkeypatch.setattr(service, "SLICE", 6)
    sliced = service.ingest_file(engine=other, path=path, source="s")
    assert sliced.summary() | {"batch": 0} == whole.summary() | {"batch": 0}
    assert (sliced.read, sliced.accepted, sliced.duplicates, sliced.rejected) == (42, 13, 27, 2)
    assert sorted(sliced.record_ids) == sorted(whole.record_ids)
    from xinyong.ledger.service import iter_leaves

    with Session(other) as s:
        leaves = [leaf.record_id for leaf in iter_leaves(s)]
    assert sorted(leaves) == sorted(sliced.record_ids)  # one transparency-log leaf per accepted record
    other.dispose()
