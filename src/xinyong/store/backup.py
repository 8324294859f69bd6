"""Backups of the operational store: `xinyong backup DIR` and `xinyong restore DIR` (docs/deploy.md).

* SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot while
  the server keeps reading and writing (WAL); restore copies it back the same way.
* PostgreSQL: `pg_dump --format=custom` / `pg_restore --exit-on-error --no-owner` into an empty
  database.

The directory holds the copy, `manifest.json` (format, file, time, size) and, when present, the
transparency log's signing key (`ledger/ed25519.pem`, mode 0600) so a restored instance can keep
signing tree heads and `xinyong ledger verify` passes. Guard the directory like the key itself.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from xinyong.store.db import normalise_url

MANIFEST = "manifest.json"
KEY_FILE = Path("ledger") / "ed25519.pem"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; nothing was changed in the target."""


def _libpq(url: str) -> str:
    """postgresql+psycopg://… → postgresql://… for pg_dump / pg_restore."""
    return make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份 / an in-memory database cannot be backed up")
    return Path(database)


def backup(url: str, directory: Path, *, data_dir: Path | None = None) -> dict:
    """Write a backup of the store at `url` into `directory` (created; must be empty). Returns the manifest."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"备份目录非空: {directory} / backup directory is not empty: {directory}")
    directory.mkdir(parents=True, exist_ok=True)
    backend = make_url(normalise_url(url)).get_backend_name()
    if backend == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"数据库文件不存在: {source} / no database file: {source}")
        target = directory / "xinyong.db"
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        dst.close()
        src.close()
    elif backend == "postgresql":
        target = directory / "xinyong.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])
    else:  # pragma: no cover - only the two stores exist
        raise BackupError(f"unsupported database: {backend}")
    key = (data_dir or Path(os.environ.get("XINYONG_DATA_DIR", "var"))) / KEY_FILE
    if key.exists():
        (directory / "ledger").mkdir(exist_ok=True)
        shutil.copy2(key, directory / KEY_FILE)
        os.chmod(directory / KEY_FILE, 0o600)
    manifest = {
        "format": backend,
        "file": target.name,
        "bytes": target.stat().st_size,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "ledger_key": key.exists(),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def restore(url: str, directory: Path, *, data_dir: Path | None = None) -> dict:
    """Restore the backup in `directory` into the (new, empty) store at `url`. Returns the manifest."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"不是有效的备份目录: {directory} / not a backup directory: {exc}") from exc
    backend = make_url(normalise_url(url)).get_backend_name()
    if backend != manifest["format"]:
        raise BackupError(
            f"备份为 {manifest['format']}，目标为 {backend} / backup is {manifest['format']}, target is {backend}"
        )
    source = directory / manifest["file"]
    if backend == "sqlite":
        target = _sqlite_path(url)
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"目标数据库已存在: {target} / target database exists; restore into a new one")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        dst.close()
        src.close()
    else:
        _run(["pg_restore", "--exit-on-error", "--no-owner", f"--dbname={_libpq(url)}", str(source)])
    key = directory / KEY_FILE
    target_key = (data_dir or Path(os.environ.get("XINYONG_DATA_DIR", "var"))) / KEY_FILE
    if key.exists() and not target_key.exists():
        target_key.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(key, target_key)
        os.chmod(target_key, 0o600)
    return manifest


def _run(cmd: list[str]) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError as exc:
        raise BackupError(
            f"找不到 {cmd[0]}（PostgreSQL 客户端）/ {cmd[0]} not found: install postgresql-client"
        ) from exc
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} 失败 / failed: {done.stderr.strip()[-2000:]}")
