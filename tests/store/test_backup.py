"""`xinyong backup DIR` / `xinyong restore DIR` round trip on both stores (issue 9): the restored
instance has the same records and ledger leaves and passes `xinyong ledger verify`."""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.ingest.service import ingest_rows
from xinyong.store.db import make_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ledger"))
from test_ledger_with_ingest import _row  # noqa: E402  - one builder of real 双公示 rows


def _counts(url: str) -> tuple[int, ...]:
    engine = make_engine(url)
    with engine.connect() as c:
        out = tuple(
            c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("records", "ledger_record_keys", "ledger_nodes", "subjects")
        )
    engine.dispose()
    return out


def test_backup_restore_round_trip_passes_ledger_verify(db_url, request, tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_DATABASE_URL", db_url)
    engine = make_engine(db_url)
    result = ingest_rows(
        engine=engine,
        rows=[_row(i) for i in range(1, 8)],
        source="河东区市场监管局",
        kind="penalty",
        now=dt.datetime(2026, 5, 2, 9, 0),
    )
    engine.dispose()
    assert result.accepted == 7
    run = CliRunner()
    before = run.invoke(app, ["ledger", "verify", "--json"])
    assert before.exit_code == 0, before.output
    original = _counts(db_url)
    assert original[0] == 7 and original[1] >= 7

    done = run.invoke(app, ["backup", str(tmp_path / "bk")])
    assert done.exit_code == 0, done.output
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert manifest["format"] in ("sqlite", "postgresql") and manifest["bytes"] > 0
    assert run.invoke(app, ["backup", str(tmp_path / "bk")]).exit_code == 2  # never over an old backup

    if db_url.startswith("sqlite"):
        fresh = f"sqlite:///{tmp_path / 'restored' / 'xinyong.db'}"
    else:
        server = request.getfixturevalue("pg_server")
        name = "r_" + uuid.uuid4().hex[:12]
        fresh = server.create_database(name)
        request.addfinalizer(lambda: server.drop_database(name))
    monkeypatch.setenv(
        "XINYONG_DATA_DIR", str(tmp_path / "data2")
    )  # a new machine: the key comes from the backup
    restored = run.invoke(app, ["restore", str(tmp_path / "bk"), "--url", fresh])
    assert restored.exit_code == 0, restored.output
    assert _counts(fresh) == original
    verify = run.invoke(app, ["ledger", "verify", "--url", fresh, "--json"])
    assert verify.exit_code == 0, verify.output
    assert json.loads(verify.output)["ok"] is True
    assert (tmp_path / "data2" / "ledger" / "ed25519.pem").exists() == manifest["ledger_key"]
    # restoring onto a store that already has data is refused
    again = run.invoke(
        app, ["restore", str(tmp_path / "bk"), "--url", fresh if fresh.startswith("sqlite") else db_url]
    )
    assert again.exit_code == 2


def test_restore_refuses_a_directory_that_is_no_backup(tmp_path, sqlite_url):
    run = CliRunner()
    r = run.invoke(app, ["restore", str(tmp_path), "--url", sqlite_url])
    assert r.exit_code == 2 and "not a backup directory" in r.output
