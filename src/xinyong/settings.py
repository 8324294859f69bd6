"""Settings read from the environment (XINYONG_*).

Every setting is documented in docs/settings.md; a test fails when one is not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# The repository root when installed in editable mode (make setup); user-editable YAML lives there.
REPO_ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration; build with `Settings.from_env()`."""

    database_url: str = "sqlite:///var/xinyong.db"
    data_dir: Path = Path("var")
    catalogue_dir: Path = REPO_ROOT / "catalogue"
    models_dir: Path = REPO_ROOT / "models"
    programmes_dir: Path = REPO_ROOT / "programmes"
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = "dev-secret-change-me"
    max_upload_mb: int = 200
    ledger_key: str = ""  # Ed25519 signing key of the transparency log (PEM, hex seed or a path)
    ledger_sth_interval: int = 3600  # seconds before a request signs a fresh tree head
    cookie_secure: bool = False  # mark the session cookie Secure (always on when served over https)
    public_base_url: str = ""  # printed in QR codes and reports; empty: the request's own base URL
    timezone: str = "Asia/Shanghai"  # what "today" is and how times are shown (xinyong.clock)
    production: bool = False  # XINYONG_PRODUCTION=1: refuse to start without a public base URL and secret key
    db_pool_size: int = 10  # connections kept open per server process
    db_pool_overflow: int = 10  # extra connections opened under load, closed when idle
    db_pool_timeout: float = 3.0  # seconds a request waits for a connection before it gets a 503
    smtp_host: str = ""  # e-mail channel of the notification worker; empty: e-mail is not sent
    smtp_port: int = 25
    smtp_from: str = "xinyong@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0  # seconds per SMTP conversation
    worker_interval: float = 2.0  # seconds between delivery passes of `xinyong worker`
    worker_lease: int = 120  # seconds a claimed event/delivery stays reserved for one worker
    webhook_timeout: float = 10.0  # default per-endpoint timeout (seconds) of a new webhook endpoint
    alerts_dir: Path = REPO_ROOT / "alerts"  # alert rules (rules.yaml) of risk early warning
    digest_hour: int = 8  # local hour of the daily digest, reminders and watchlist scans

    def __post_init__(self) -> None:
        # Settings(database_url=...) built in code (tests, embedding) follows the same rule as the
        # environment: an unset data directory is the SQLite database's own directory.
        if self.data_dir == Path("var") and self.database_url != "sqlite:///var/xinyong.db":
            object.__setattr__(self, "data_dir", data_dir_for("", self.database_url))

    @classmethod
    def from_env(cls) -> Settings:
        database_url = os.environ.get("XINYONG_DATABASE_URL", "")
        data_dir = data_dir_for(os.environ.get("XINYONG_DATA_DIR", ""), database_url)
        return cls(
            database_url=database_url or f"sqlite:///{data_dir / 'xinyong.db'}",
            data_dir=data_dir,
            catalogue_dir=Path(_env("XINYONG_CATALOGUE_DIR", str(REPO_ROOT / "catalogue"))),
            models_dir=Path(_env("XINYONG_MODELS_DIR", str(REPO_ROOT / "models"))),
            programmes_dir=Path(_env("XINYONG_PROGRAMMES_DIR", str(REPO_ROOT / "programmes"))),
            host=_env("XINYONG_HOST", "127.0.0.1"),
            port=int(_env("XINYONG_PORT", "8000")),
            secret_key=_env("XINYONG_SECRET_KEY", "dev-secret-change-me"),
            max_upload_mb=int(_env("XINYONG_MAX_UPLOAD_MB", "200")),
            ledger_key=_env("XINYONG_LEDGER_KEY", ""),
            ledger_sth_interval=int(_env("XINYONG_LEDGER_STH_INTERVAL", "3600")),
            cookie_secure=_env("XINYONG_COOKIE_SECURE", "0").lower() in ("1", "true", "yes"),
            public_base_url=_env("XINYONG_PUBLIC_BASE_URL", ""),
            timezone=_env("XINYONG_TIMEZONE", "Asia/Shanghai"),
            production=_env("XINYONG_PRODUCTION", "0").lower() in ("1", "true", "yes"),
            db_pool_size=int(_env("XINYONG_DB_POOL_SIZE", "10")),
            db_pool_overflow=int(_env("XINYONG_DB_POOL_OVERFLOW", "10")),
            db_pool_timeout=float(_env("XINYONG_DB_POOL_TIMEOUT", "3")),
            smtp_host=_env("XINYONG_SMTP_HOST", ""),
            smtp_port=int(_env("XINYONG_SMTP_PORT", "25")),
            smtp_from=_env("XINYONG_SMTP_FROM", "xinyong@localhost"),
            smtp_user=_env("XINYONG_SMTP_USER", ""),
            smtp_password=_env("XINYONG_SMTP_PASSWORD", ""),
            smtp_starttls=_env("XINYONG_SMTP_STARTTLS", "0").lower() in ("1", "true", "yes"),
            smtp_timeout=float(_env("XINYONG_SMTP_TIMEOUT", "10")),
            worker_interval=float(_env("XINYONG_WORKER_INTERVAL", "2")),
            worker_lease=int(_env("XINYONG_WORKER_LEASE", "120")),
            webhook_timeout=float(_env("XINYONG_WEBHOOK_TIMEOUT", "10")),
            alerts_dir=Path(_env("XINYONG_ALERTS_DIR", str(REPO_ROOT / "alerts"))),
            digest_hour=int(_env("XINYONG_DIGEST_HOUR", "8")),
        )


def data_dir_for(data_dir: str, database_url: str) -> Path:
    """The one data directory (signing key, snapshot, database file), as an absolute path, so a
    process started from another working directory finds the same files:

    - XINYONG_DATA_DIR when set (a relative value is taken from the working directory at start);
    - else the directory of the SQLite database file named by XINYONG_DATABASE_URL;
    - else ``var`` under the working directory (the embedded default, whose database lives there).

    A PostgreSQL deployment should set XINYONG_DATA_DIR; without it, a process started elsewhere
    still never mints a second signing key for the log (ledger.service.signing_key refuses)."""
    if data_dir:
        return Path(data_dir).expanduser().resolve()
    if database_url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        database = make_url(database_url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database).expanduser().resolve().parent
    return Path("var").resolve()


def get_settings() -> Settings:
    return Settings.from_env()
