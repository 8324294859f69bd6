"""Tables of accounts (账户): users, console sessions, API keys and the access log (查询留痕).

Secrets are never stored: passwords as Argon2 hashes, session tokens and API keys as SHA-256
digests (they are 256-bit random values, so a fast digest is enough; Argon2's slowness only
protects guessable secrets such as passwords).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


class User(Base):
    """A login. `role` is one of disclosure.policy.LOGIN_ROLES; the scope columns say which
    district (district_officer), record kinds (department) or subject (subject) it covers."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    district_code: Mapped[str | None] = mapped_column(String(6))
    kinds: Mapped[list] = mapped_column(JsonType, default=list)
    # department only: the data sources (数据来源) it is registered to push under, managed by the
    # city admin (migration accounts_0002); a push under any other source is a 403.
    sources: Mapped[list] = mapped_column(JsonType, default=list)
    subject_id: Mapped[str | None] = mapped_column(ForeignKey("subjects.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None: API-key-only account
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class UserSession(Base):
    """A console login (cookie) or a bearer token issued by `POST /api/v1/auth/token`."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # cookie | bearer
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ApiKey(Base):
    """A machine credential (e.g. a department's push client). Shown once at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # the visible start of the key, to recognise it
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AccessLog(Base):
    """查询留痕: one row per read of a non-public archive — who, when, what, why, where.

    The viewer's fields are copied, not only referenced, so the trail survives user changes."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    viewer_district: Mapped[str | None] = mapped_column(String(6))
    subject_id: Mapped[str] = mapped_column(String(24), index=True)
    subject_district: Mapped[str | None] = mapped_column(String(6))
    purpose: Mapped[str] = mapped_column(String(200))
    surface: Mapped[str] = mapped_column(String(32))  # page | api | report | export | cli
    detail: Mapped[dict] = mapped_column(JsonType, default=dict)

    __table_args__ = (Index("ix_access_log_subject_district_at", "subject_district", "at"),)


class LoginThrottle(Base):
    """Failed logins per key (migration accounts_0002), for exponential back-off (accounts/throttle.py).

    `key` is the SHA-256 of "client:<ip>", "account:<username>" or "pair:<username>|<ip>", so
    neither names nor addresses are stored in clear, and an unknown name has a row like a known one."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(DateTime)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
