"""One data directory (issue 8 §10): the signing key lives where the database's settings say, a
second key is never minted for the same log, and a foreign key is refused until rotated on purpose."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from ledger_helpers import add_records, add_subject
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.ledger import keys, service
from xinyong.settings import data_dir_for
from xinyong.store.db import make_engine, session_scope
from xinyong.store.migrate import upgrade

runner = CliRunner()
OTHER_SEED = "22" * 32


def _run(env: dict[str, str | None], *args: str):  # noqa: ANN202
    base = {"XINYONG_DATA_DIR": None, "XINYONG_LEDGER_KEY": None, "XINYONG_DATABASE_URL": None}
    return runner.invoke(app, list(args), env={**base, **env})


def _key_files(root: Path) -> list[Path]:
    return sorted(root.rglob("ed25519*.pem"))


@pytest.fixture
def logged(db_url):
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        add_subject(s)
        add_records(s, 5)
    engine.dispose()
    return db_url


def test_the_data_directory_follows_the_database_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "store" / "x.db"
    assert data_dir_for("", f"sqlite:///{db}") == tmp_path / "store"
    assert data_dir_for("", "sqlite:///rel/x.db") == tmp_path / "rel"
    assert data_dir_for("data", "postgresql://u@h/db") == tmp_path / "data"
    assert data_dir_for("", "postgresql://u@h/db") == tmp_path / "var"
    assert data_dir_for("", "sqlite:///:memory:") == tmp_path / "var"
    # Settings built in code follow the same rule; an explicit directory wins.
    from xinyong.settings import Settings

    assert Settings(database_url=f"sqlite:///{db}").data_dir == tmp_path / "store"
    assert Settings(database_url=f"sqlite:///{db}", data_dir=tmp_path / "d").data_dir == tmp_path / "d"


def test_the_cli_run_from_two_directories_uses_one_key(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    url = f"sqlite:///{store / 'xinyong.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as s:
        add_subject(s)
        add_records(s, 3)
    engine.dispose()
    heads = []
    for cwd in ("a", "b"):
        (tmp_path / cwd).mkdir()
        monkeypatch.chdir(tmp_path / cwd)
        result = _run({"XINYONG_DATABASE_URL": url}, "ledger", "sth", "--sign", "--json")
        assert result.exit_code == 0, result.output
        heads.append(json.loads(result.output)["key_id"])
    assert heads[0] == heads[1]
    assert _key_files(tmp_path) == [store / "ledger" / "ed25519.pem"]


def test_another_data_directory_is_refused_and_creates_no_key(logged, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    signed = _run({"XINYONG_DATABASE_URL": logged, "XINYONG_DATA_DIR": str(first)}, "ledger", "sth", "--sign")
    assert signed.exit_code == 0, signed.output
    refused = _run(
        {"XINYONG_DATABASE_URL": logged, "XINYONG_DATA_DIR": str(second)}, "ledger", "sth", "--sign"
    )
    assert refused.exit_code == 1
    assert "no signing key" in refused.output and "没有签名密钥" in refused.output
    assert _key_files(tmp_path) == [first / "ledger" / "ed25519.pem"]
    # Neither does asking for the public key mint one.
    assert (
        _run({"XINYONG_DATABASE_URL": logged, "XINYONG_DATA_DIR": str(second)}, "ledger", "key").exit_code
        == 1
    )
    assert not second.exists() or _key_files(second) == []


def test_a_foreign_key_is_refused_until_rotated_on_purpose(logged, tmp_path):
    env = {"XINYONG_DATABASE_URL": logged, "XINYONG_DATA_DIR": str(tmp_path)}
    assert _run(env, "ledger", "sth", "--sign").exit_code == 0
    old_id = keys.key_id(keys.load_private_key(_settings(tmp_path)).public_key())
    foreign = {**env, "XINYONG_LEDGER_KEY": OTHER_SEED}
    refused = _run(foreign, "ledger", "sth", "--sign")
    assert refused.exit_code == 1 and "refusing to sign" in refused.output and "拒绝" in refused.output
    assert old_id in refused.output
    # Rotation: no reason → refused; with a reason → a key.rotated leaf and heads by both keys.
    assert _run(env, "ledger", "rotate-key", "--new-key", OTHER_SEED, "--reason", " ").exit_code == 1
    rotated = _run(
        env, "ledger", "rotate-key", "--new-key", OTHER_SEED, "--reason", "annual rotation 年度更换"
    )
    assert rotated.exit_code == 0, rotated.output
    doc = json.loads(rotated.output)
    new_id = keys.key_id(keys.load_private_text(OTHER_SEED).public_key())
    assert doc["old_key_id"] == old_id and doc["new_key_id"] == new_id
    assert doc["old_head"]["key_id"] == old_id and doc["new_head"]["key_id"] == new_id
    assert doc["old_head"]["tree_size"] == doc["new_head"]["tree_size"] == 6  # 5 records + the rotation leaf
    # The new key file is installed; the old one kept aside. Signing now works with the new key only.
    assert keys.key_id(keys.load_private_key(_settings(tmp_path)).public_key()) == new_id
    assert len(_key_files(tmp_path)) == 2
    assert json.loads(_run(env, "ledger", "sth", "--sign", "--json").output)["key_id"] == new_id
    engine = make_engine(logged)
    with session_scope(engine) as s:
        # The rotation leaf is public (it names keys, not a record).
        leaf = service.leaf_document(s, 5, as_of=dt.date(2026, 6, 1))
        assert leaf["event"]["type"] == "key.rotated" and leaf["event"]["new_key_id"] == new_id
    with session_scope(engine) as s, pytest.raises(service.LedgerKeyMismatch):
        service.sign_head(s, key=keys.load_private_text("33" * 32))
    engine.dispose()
    verify = _run(env, "ledger", "verify", "--json")
    assert verify.exit_code == 0, verify.output


def _settings(data_dir: Path):  # noqa: ANN202
    import dataclasses

    from xinyong.settings import Settings

    return dataclasses.replace(Settings(), data_dir=data_dir, ledger_key="")
