"""Account operations: plain functions with keyword arguments, no HTTP.

Time is a parameter (`now`) everywhere so tests replay expiry and lock-outs deterministically.
Errors are `AccountError`s naming the field and the reason in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts import security, throttle
from xinyong.accounts.models import AccessLog, ApiKey, User, UserSession
from xinyong.disclosure.policy import LOGIN_ROLES, ROLES, Viewer
from xinyong.subjects.models import Subject

SESSION_TTL = dt.timedelta(hours=12)
BEARER_TTL = dt.timedelta(hours=24)
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
_KIND_RE = re.compile(r"^[a-z0-9_]{2,64}$")


class AccountError(ValueError):
    """A refused account operation. `status` is the HTTP status an API should answer with."""

    def __init__(
        self, field: str, zh: str, en: str, status: int = 422, retry_after: int | None = None
    ) -> None:
        super().__init__(f"{field}: {zh} / {en}")
        self.field, self.zh, self.en, self.status = field, zh, en, status
        self.retry_after = retry_after  # seconds, for 429 (login throttling)

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"


def utcnow() -> dt.datetime:
    """Naive UTC, the convention of every DateTime column in the store."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# --------------------------------------------------------------------------- users


def known_districts() -> dict[str, str]:
    from xinyong.programmes.service import load_districts

    return {d.code: d.name for d in load_districts()}


def catalogue_kinds() -> set[str]:
    """Kind ids of the record catalogue; empty when it cannot be loaded, so that accounts stay
    manageable while someone fixes a broken catalogue file (the app reports that elsewhere)."""
    try:
        from xinyong.catalogue.service import load_catalogue

        return set(load_catalogue().kinds)
    except Exception:  # noqa: BLE001 - any failure means "cannot check", not "refuse every user"
        return set()


def _check_scope(
    session: Session, *, role: str, district_code: str | None, kinds: Sequence[str], subject_id: str | None
) -> None:
    if role not in LOGIN_ROLES:
        raise AccountError(
            "role", f"角色须为 {', '.join(LOGIN_ROLES)} 之一", f"role must be one of {', '.join(LOGIN_ROLES)}"
        )
    if role == "district_officer":
        if not district_code:
            raise AccountError(
                "district", "区诚信办账户须指定所属区 (--district)", "a district officer needs --district"
            )
        if district_code not in known_districts():
            raise AccountError(
                "district", f"未知区划代码 {district_code}", f"unknown district code {district_code}"
            )
    elif district_code:
        raise AccountError("district", "只有区诚信办账户可指定区", "only district officers take a district")
    if role == "department":
        if not kinds:
            raise AccountError("kinds", "行业部门账户须指定信息类别 (--kinds)", "a department needs --kinds")
        bad = [k for k in kinds if not _KIND_RE.match(k)]
        if bad:
            raise AccountError(
                "kinds", f"信息类别格式错误: {', '.join(bad)}", f"malformed record kinds: {', '.join(bad)}"
            )
        known = catalogue_kinds()
        unknown = [k for k in kinds if known and k not in known]
        if unknown:
            raise AccountError(
                "kinds",
                f"目录中没有信息类别 {', '.join(unknown)}（可选: {', '.join(sorted(known))}）",
                f"no such record kinds in the catalogue: {', '.join(unknown)} (known: {', '.join(sorted(known))})",
            )
    elif kinds:
        raise AccountError("kinds", "只有行业部门账户可指定信息类别", "only departments take record kinds")
    if role == "subject":
        if not subject_id:
            raise AccountError(
                "subject", "信用主体账户须绑定主体 (--subject)", "a subject account needs --subject"
            )
        if session.get(Subject, subject_id) is None:
            raise AccountError("subject", f"主体 {subject_id} 不存在", f"subject {subject_id} not found", 404)
    elif subject_id:
        raise AccountError("subject", "只有信用主体账户可绑定主体", "only subject accounts take a subject")


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str | None = None,
    display_name: str | None = None,
    district_code: str | None = None,
    kinds: Iterable[str] = (),
    subject_id: str | None = None,
    sources: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> User:
    """Create a user; a None password makes an API-key-only (machine) account."""
    now = now or utcnow()
    if not _USERNAME_RE.match(username or ""):
        raise AccountError(
            "username",
            "用户名须为 3–64 位字母、数字或 _ . -",
            "username must be 3-64 letters, digits, '_', '.' or '-'",
        )
    kinds = sorted({k.strip() for k in kinds if k.strip()})
    _check_scope(session, role=role, district_code=district_code, kinds=kinds, subject_id=subject_id)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(
            "username", f"用户名 {username} 已存在", f"username {username} already exists", 409
        )
    if password is not None and (problem := security.password_problem(password)):
        raise AccountError("password", *problem.split(" / ", 1))
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        district_code=district_code,
        kinds=kinds,
        sources=_clean_sources(role, sources),
        subject_id=subject_id,
        password_hash=security.hash_password(password) if password is not None else None,
        is_active=True,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return user


MAX_SOURCE_LENGTH = 100


def _clean_sources(role: str, sources: Iterable[str]) -> list[str]:
    cleaned = sorted({s.strip() for s in sources if s and s.strip()})
    if cleaned and role != "department":
        raise AccountError("sources", "只有行业部门账户可登记数据来源", "only departments take data sources")
    if long := [s for s in cleaned if len(s) > MAX_SOURCE_LENGTH]:
        raise AccountError(
            "sources",
            f"数据来源名称过长（最多 {MAX_SOURCE_LENGTH} 字）: {long[0][:20]}…",
            f"source name longer than {MAX_SOURCE_LENGTH} characters: {long[0][:20]}…",
        )
    return cleaned


def set_sources(
    session: Session, *, user: User, sources: Iterable[str], now: dt.datetime | None = None
) -> None:
    """Replace the data sources (数据来源) a department is registered for (city admin only).

    A department pushes records only under these names (`may_push_source`); an empty list means it
    may push nothing until the city registers its sources."""
    user.sources = _clean_sources(user.role, sources)
    user.updated_at = now or utcnow()


def may_push_source(user: User, source: str) -> bool:
    """A department pushes only under the sources registered for its account; the city any."""
    if user.role == "city_admin":
        return True
    return user.role == "department" and source.strip() in (user.sources or ())


def get_user(session: Session, *, user_id: int | None = None, username: str | None = None) -> User:
    user = (
        session.get(User, user_id)
        if user_id is not None
        else session.scalar(select(User).where(User.username == username))
    )
    if user is None:
        who = user_id if user_id is not None else username
        raise AccountError("user", f"用户 {who} 不存在", f"user {who} not found", 404)
    return user


def list_users(session: Session, *, role: str | None = None, district_code: str | None = None) -> list[User]:
    query = select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    if district_code:
        query = query.where(User.district_code == district_code)
    return list(session.scalars(query))


def set_password(session: Session, *, user: User, password: str, now: dt.datetime | None = None) -> None:
    """Change a password and end every session of the user (a reset locks out whoever had it)."""
    now = now or utcnow()
    if problem := security.password_problem(password):
        raise AccountError("password", *problem.split(" / ", 1))
    user.password_hash = security.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.updated_at = now
    _revoke_sessions(session, user_id=user.id, now=now)


def set_active(session: Session, *, user: User, active: bool, now: dt.datetime | None = None) -> None:
    """Enable or disable a user; disabling ends its sessions. The last active city admin cannot be
    disabled: nobody could manage users any more."""
    now = now or utcnow()
    if not active and user.role == "city_admin" and user.is_active:
        others = session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "city_admin", User.is_active.is_(True), User.id != user.id)
        )
        if not others:
            raise AccountError(
                "user", "不能停用最后一个市级管理员账户", "cannot disable the last active city admin", 409
            )
    user.is_active = active
    user.updated_at = now
    if not active:
        _revoke_sessions(session, user_id=user.id, now=now)


def _revoke_sessions(session: Session, *, user_id: int, now: dt.datetime) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def authenticate(
    session: Session,
    *,
    username: str,
    password: str,
    now: dt.datetime | None = None,
    client: str | None = None,
) -> User:
    """The user, or AccountError: 401 (the same for an unknown name and a wrong password), 429 with
    `retry_after` while the throttle asks this attempt to wait (accounts/throttle.py: exponential
    back-off per client, per account and per pair; never a hard lock), 403 for a disabled user.

    `client` is the caller's address (None from the CLI). The caller must commit even when this
    raises, so failures are counted."""
    now = now or utcnow()
    wait = throttle.wait_seconds(session, username=username, client=client, now=now)
    if wait:
        raise AccountError(
            "login",
            f"尝试过于频繁，请 {wait} 秒后再试",
            f"too many attempts; retry in {wait} seconds",
            429,
            retry_after=wait,
        )
    refused = AccountError("login", "用户名或密码错误", "wrong username or password", 401)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        security.verify_password(_DUMMY_HASH, password)  # same cost as a real check: no timing oracle
        throttle.record_failure(session, username=username, client=client, now=now)
        raise refused
    ok, rehash = security.verify_password(user.password_hash, password)
    if not ok:
        throttle.record_failure(session, username=username, client=client, now=now)
        raise refused
    if not user.is_active:
        raise AccountError("login", "账户已停用", "this account is disabled", 403)
    if rehash:
        user.password_hash = security.hash_password(password)
    throttle.record_success(session, username=username, client=client)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


_DUMMY_HASH = security.hash_password("not-a-real-password-0")


def viewer_for(user: User) -> Viewer:
    return Viewer(
        role=user.role,
        user_id=str(user.id),
        username=user.username,
        district_code=user.district_code,
        kinds=frozenset(user.kinds or ()) if user.role == "department" else None,
        subject_id=user.subject_id,
    )


# --------------------------------------------------------------------------- sessions and keys


def start_session(
    session: Session,
    *,
    user: User,
    kind: str = "cookie",
    now: dt.datetime | None = None,
    ttl: dt.timedelta | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> tuple[str, UserSession]:
    """Open a session; returns (token to hand out once, row). Only the token's digest is stored."""
    now = now or utcnow()
    token = security.new_token()
    row = UserSession(
        token_hash=security.digest(token),
        user_id=user.id,
        kind=kind,
        created_at=now,
        expires_at=now + (ttl or (SESSION_TTL if kind == "cookie" else BEARER_TTL)),
        ip=ip,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_session(
    session: Session, *, token: str, now: dt.datetime | None = None, kind: str | None = None
) -> tuple[User, UserSession] | None:
    """The live session behind a token, or None (unknown, expired, revoked, user disabled)."""
    now = now or utcnow()
    query = (
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.token_hash == security.digest(token),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
            User.is_active.is_(True),
        )
    )
    if kind:
        query = query.where(UserSession.kind == kind)
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def end_session(session: Session, *, token: str, now: dt.datetime | None = None) -> bool:
    result = session.execute(
        update(UserSession)
        .where(UserSession.token_hash == security.digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    return bool(result.rowcount)


def issue_api_key(
    session: Session,
    *,
    user: User,
    name: str,
    now: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[str, ApiKey]:
    """Create an API key; returns (the key — show it once, it cannot be recovered — and its row)."""
    now = now or utcnow()
    if not name or len(name) > 100:
        raise AccountError("name", "密钥名称须为 1–100 个字符", "key name must be 1-100 characters")
    key, prefix = security.new_api_key()
    row = ApiKey(
        user_id=user.id,
        name=name,
        prefix=prefix,
        key_hash=security.digest(key),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return key, row


def resolve_api_key(
    session: Session, *, key: str, now: dt.datetime | None = None
) -> tuple[User, ApiKey] | None:
    now = now or utcnow()
    row = session.execute(
        select(User, ApiKey)
        .join(ApiKey, ApiKey.user_id == User.id)
        .where(
            ApiKey.key_hash == security.digest(key),
            ApiKey.revoked_at.is_(None),
            or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
            User.is_active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user, api_key = row
    # Record use at most once a minute: a push client must not turn every request into a write.
    if api_key.last_used_at is None or now - api_key.last_used_at > dt.timedelta(minutes=1):
        api_key.last_used_at = now
    return user, api_key


def list_api_keys(session: Session, *, user: User) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id)))


def revoke_api_key(session: Session, *, key_id: int, now: dt.datetime | None = None) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise AccountError("key", f"密钥 {key_id} 不存在", f"API key {key_id} not found", 404)
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
    return row


# --------------------------------------------------------------------------- access log (查询留痕)


def log_access(
    session: Session,
    *,
    viewer: Viewer,
    subject_id: str,
    purpose: str,
    surface: str,
    detail: dict | None = None,
    now: dt.datetime | None = None,
) -> AccessLog:
    """Write one 查询留痕 row: who (viewer), when (now), what (subject), why (purpose), where (surface)."""
    subject = session.get(Subject, subject_id)
    row = AccessLog(
        at=now or utcnow(),
        user_id=viewer.user_id,
        username=viewer.username,
        role=viewer.role,
        viewer_district=viewer.district_code,
        subject_id=subject_id,
        subject_district=subject.district_code if subject is not None else None,
        purpose=(purpose or "").strip()[:200] or "未说明 / unspecified",
        surface=surface[:32],
        detail=detail or {},
    )
    session.add(row)
    session.flush()
    return row


def access_log_scope(viewer: Viewer):
    """Which log rows a viewer may read: the city all; a district office the reads of its own
    district's subjects and the reads its own officers made; nobody else any."""
    if viewer.role == "city_admin":
        return None
    if viewer.role == "district_officer" and viewer.district_code:
        return or_(
            and_(AccessLog.subject_district.is_not(None), AccessLog.subject_district == viewer.district_code),
            and_(AccessLog.viewer_district.is_not(None), AccessLog.viewer_district == viewer.district_code),
        )
    raise AccountError("role", "无权查看查询留痕", "not allowed to read the access log", 403)


def list_access_log(
    session: Session,
    *,
    viewer: Viewer,
    subject_id: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AccessLog]:
    query = select(AccessLog).order_by(AccessLog.at.desc(), AccessLog.id.desc())
    scope = access_log_scope(viewer)
    if scope is not None:
        query = query.where(scope)
    if subject_id:
        query = query.where(AccessLog.subject_id == subject_id)
    if since:
        query = query.where(AccessLog.at >= clock.day_start_utc(since))  # local (Beijing) days
    if until:
        query = query.where(AccessLog.at < clock.day_start_utc(until + dt.timedelta(days=1)))
    return list(session.scalars(query.limit(limit).offset(offset)))


# --------------------------------------------------------------------------- demo accounts

# Documented in docs/accounts.md. Demo only: `xinyong user passwd` before any real use.
DEMO_PASSWORD = "xinyong-demo-2023"


def demo_users(subject_id: str | None) -> list[dict]:
    users = [
        dict(username="admin", display_name="市信用中心管理员", role="city_admin"),
        dict(username="heping", display_name="和平区诚信办", role="district_officer", district_code="120101"),
        dict(username="hexi", display_name="河西区诚信办", role="district_officer", district_code="120103"),
        dict(
            username="shichang",
            display_name="市市场监管委",
            role="department",
            kinds=["penalty", "licence", "business_anomaly", "inspection"],
            sources=["市场监管委", "天津市市场监督管理委员会"],
        ),
        dict(username="bank", display_name="交通银行天津分行", role="bank"),
    ]
    if subject_id:
        users.append(
            dict(username="merchant", display_name="试点商户", role="subject", subject_id=subject_id)
        )
    return users


def seed_demo_users(
    engine: Engine, *, now: dt.datetime | None = None, subject_id: str | None = None
) -> list[str]:
    """Create the demo logins (idempotent: existing usernames are left as they are).

    The subject account is bound to `subject_id`, or to the first 和平 pilot firm with a unified
    social credit code in the store (none when the store has no such subject yet). Returns the usernames created.
    """
    from xinyong.store.db import session_scope

    created = []
    with session_scope(engine) as session:
        subject_id = subject_id or session.scalar(
            select(Subject.id)
            .where(Subject.district_code == "120101", Subject.kind != "person", Subject.uscc.is_not(None))
            .order_by(Subject.pilot.is_(None), Subject.id)
            .limit(1)
        )
        for spec in demo_users(subject_id):
            if session.scalar(select(User.id).where(User.username == spec["username"])) is None:
                create_user(session, password=DEMO_PASSWORD, now=now, **spec)
                created.append(spec["username"])
    return created


def role_label(role: str) -> str:
    return f"{ROLES.get(role, role)} {role}"
