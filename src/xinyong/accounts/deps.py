"""FastAPI dependencies every domain uses to know who is asking and to guard changes.

* `current_viewer(request)` → `Viewer`: PUBLIC without credentials (no database access, so public
  pages stay fast); from the console session cookie; or from ``Authorization: Bearer <token>``
  where the token is an API key (``xyk_…``) or a token from ``POST /api/v1/auth/token``.
  A bad bearer credential is a 401, never a silent downgrade to PUBLIC.
* `require_role(*roles)` → dependency returning the Viewer; 401 when not logged in, 403 when the
  role is wrong. On POST/PUT/PATCH/DELETE it also checks CSRF for cookie logins, so a state-changing
  route guarded by it needs nothing else. `require_console_role` does the same for HTML pages but
  sends anonymous visitors to the login page.
* `require_csrf` → for unsafe routes that accept any viewer. Bearer/API-key requests are exempt
  (a browser never sends those by itself); anonymous requests are exempt (no ambient authority).
* `require_department_key` + `may_push_kind` → machine push (归集) by a department's API key.
* `log_access(session, viewer, subject_id, purpose, surface)` → 查询留痕 of a non-public read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from xinyong.accounts import security, service
from xinyong.accounts.models import AccessLog, User
from xinyong.disclosure.policy import PUBLIC, Viewer
from xinyong.store.db import session_scope

SESSION_COOKIE = "xy_session"
LOGIN_CSRF_COOKIE = "xy_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
PURPOSE_HEADER = "X-Purpose"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PURPOSE = "日常监管 / routine supervision"
# The purpose logged when the reader names none, by who reads (查询留痕): a subject reading its own
# archive is no supervision, nor is a bank serving a borrower. Government roles keep DEFAULT_PURPOSE.
OWN_RECORD_PURPOSE = "本人查询 / own record"
ROLE_PURPOSES: dict[str, str] = {
    "bank": "融资服务 / financing service",
    "subject": "信用查询 / credit enquiry",  # a subject login reading another subject
}


@dataclass(frozen=True)
class Auth:
    """How the current request authenticated."""

    viewer: Viewer
    via: str  # none | cookie | bearer | api_key
    user_id: int | None = None
    display_name: str | None = None
    session_digest: str | None = None  # cookie/bearer sessions: the stored digest (CSRF is bound to it)


ANONYMOUS = Auth(viewer=PUBLIC, via="none")


def _session(request: Request) -> Session:
    return sessionmaker(bind=request.app.state.engine, expire_on_commit=False)()


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


def db_session(request: Request) -> Iterator[Session]:
    """A session for one request: commit when the route returns, roll back on error.

    Routes take it as `DB` / `Db` below, which say `scope="function"`. FastAPI (>= 0.118) runs the exit code of
    a dependency with the default "request" scope *after* the response has been sent, so a 303 could
    reach the browser before the commit: the page it redirects to would show the old state, and a
    failed commit would follow a success response. With scope "function" the commit (or the error)
    comes first. `tests/test_commit_before_response.py` checks every route.
    """
    with session_scope(request.app.state.engine) as session:
        yield session


# The one way a route takes its session (a parameter default `= DB`, or the annotation `Db`): the scope
# is decided here, once, not at each route.
DB = Depends(db_session, scope="function")
Db = Annotated[Session, DB]


def _unauthorised(zh: str, en: str) -> HTTPException:
    return HTTPException(401, detail=f"{zh} / {en}", headers={"WWW-Authenticate": "Bearer"})


def _resolve(request: Request) -> Auth:
    header = request.headers.get("authorization")
    token = request.cookies.get(SESSION_COOKIE)
    if not header and not token:
        return ANONYMOUS
    now = service.utcnow()
    with _session(request) as session, session.begin():
        if header:
            scheme, _, credential = header.partition(" ")
            credential = credential.strip()
            if scheme.lower() != "bearer" or not credential:
                raise _unauthorised("认证头须为 Bearer <令牌>", "Authorization must be 'Bearer <token>'")
            if credential.startswith(security.API_KEY_PREFIX):
                found = service.resolve_api_key(session, key=credential, now=now)
                if found is None:
                    raise _unauthorised("API 密钥无效、已吊销或已过期", "API key invalid, revoked or expired")
                user = found[0]
                return Auth(service.viewer_for(user), "api_key", user.id, user.display_name)
            found_session = service.resolve_session(session, token=credential, now=now, kind="bearer")
            if found_session is None:
                raise _unauthorised("令牌无效或已过期", "token invalid or expired")
            user, row = found_session
            return Auth(service.viewer_for(user), "bearer", user.id, user.display_name, row.token_hash)
        found_session = service.resolve_session(session, token=token, now=now, kind="cookie")
        if found_session is None:
            return ANONYMOUS  # an expired console login simply browses as the public
        user, row = found_session
        return Auth(service.viewer_for(user), "cookie", user.id, user.display_name, row.token_hash)


def get_auth(request: Request) -> Auth:
    """Resolve once per request (cached on request.state)."""
    cached = getattr(request.state, "xy_auth", None)
    if cached is None:
        cached = _resolve(request)
        request.state.xy_auth = cached
    return cached


async def get_auth_async(request: Request) -> Auth:
    """`get_auth` for async code: the session/API-key lookup runs in the thread pool, never on the
    event loop (anonymous requests need no lookup at all)."""
    cached = getattr(request.state, "xy_auth", None)
    if cached is not None:
        return cached
    if not request.headers.get("authorization") and not request.cookies.get(SESSION_COOKIE):
        return ANONYMOUS
    return await run_in_threadpool(get_auth, request)


def current_viewer(request: Request) -> Viewer:
    return get_auth(request).viewer


def csrf_token_for(request: Request) -> str:
    """The token forms and htmx must send back (hidden field `csrf_token` or header X-CSRF-Token).
    Empty for anonymous visitors, who have no session to protect."""
    auth = get_auth(request)
    return security.csrf_token(_secret(request), auth.session_digest) if auth.via == "cookie" else ""


async def _presented_csrf(request: Request) -> str | None:
    presented = request.headers.get(CSRF_HEADER)
    if presented:
        return presented
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it; the route can still read its fields
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def check_csrf(request: Request, auth: Auth | None = None) -> None:
    auth = auth or await get_auth_async(request)
    if request.method in SAFE_METHODS or auth.via != "cookie":
        return
    if not security.csrf_matches(_secret(request), auth.session_digest or "", await _presented_csrf(request)):
        raise HTTPException(
            403, detail="CSRF 校验失败，请刷新页面后重试 / CSRF token missing or invalid; reload the page"
        )


async def require_csrf(request: Request) -> None:
    await check_csrf(request)


def _role_check(auth: Auth, roles: tuple[str, ...]) -> None:
    if auth.viewer.role in roles:
        return
    if auth.viewer.is_public:
        raise _unauthorised("请先登录", "login required")
    raise HTTPException(403, detail=f"当前角色无权执行此操作 / role {auth.viewer.role} may not do this")


def require_role(*roles: str) -> Callable[[Request], Coroutine[Any, Any, Viewer]]:
    """Dependency: the viewer, when its role is one of `roles` (and CSRF holds on unsafe methods)."""

    async def dependency(request: Request) -> Viewer:
        auth = await get_auth_async(request)
        _role_check(auth, roles)
        await check_csrf(request, auth)
        return auth.viewer

    dependency.__name__ = f"require_role_{'_'.join(roles)}"
    return dependency


def require_login(request: Request) -> Viewer:
    """Any logged-in viewer (HTML pages use require_console_role for a redirect instead)."""
    viewer = current_viewer(request)
    if viewer.is_public:
        raise _unauthorised("请先登录", "login required")
    return viewer


def login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(
        303, detail="请先登录 / login required", headers={"Location": f"/login?next={quote(target)}"}
    )


def require_console_role(*roles: str) -> Callable[[Request], Coroutine[Any, Any, Viewer]]:
    """Like require_role for HTML pages: anonymous visitors are sent to /login?next=…"""

    async def dependency(request: Request) -> Viewer:
        auth = await get_auth_async(request)
        if auth.viewer.is_public:
            raise login_redirect(request)
        _role_check(auth, roles)
        await check_csrf(request, auth)
        return auth.viewer

    dependency.__name__ = f"require_console_role_{'_'.join(roles)}"
    return dependency


# --------------------------------------------------------------------------- machine push (归集)

PUSH_ROLES = ("department", "city_admin")


def require_department_key(request: Request) -> Viewer:
    """For `POST /api/v1/ingest`: a department's (or the city's) API key or bearer token.

    Which record kinds it may push is `may_push_kind(viewer, kind)`; answer 403 otherwise."""
    auth = get_auth(request)
    if auth.via not in ("api_key", "bearer"):
        raise _unauthorised(
            "须使用 API 密钥 (Authorization: Bearer xyk_…)",
            "an API key is required (Authorization: Bearer xyk_…)",
        )
    _role_check(auth, PUSH_ROLES)
    return auth.viewer


def may_push_kind(viewer: Viewer, kind: str) -> bool:
    """A department pushes only the record kinds it supplies; the city pushes any."""
    if viewer.role == "city_admin":
        return True
    return viewer.role == "department" and kind in (viewer.kinds or ())


def check_source(request: Request, viewer: Viewer, source: str) -> None:
    """403 unless the pushing account is registered for `source` (数据来源): a department speaks
    only for the sources the city admin registered for it (`xinyong user sources`,
    `PUT /api/v1/users/{id}/sources`); the city admin may push under any source."""
    if viewer.role == "city_admin":
        return
    with _session(request) as session:
        user = session.get(User, int(viewer.user_id or 0))
        allowed = user is not None and service.may_push_source(user, source)
        registered = list(user.sources or []) if user is not None else []
    if not allowed:
        shown = "、".join(registered) or "无"
        raise HTTPException(
            403,
            detail={
                "zh": f"本账号未登记数据来源「{source}」，不能以其名义报送（已登记：{shown}）",
                "en": f"this account is not registered for the source {source!r}; "
                f"registered: {', '.join(registered) or 'none'}",
            },
        )


# --------------------------------------------------------------------------- 查询留痕


def default_purpose(viewer: Viewer | None, subject_id: str | None = None) -> str:
    """The purpose of a read whose reader named none: 本人查询 when a subject login reads its own
    subject, the role's purpose (a bank: 融资服务) otherwise, else 日常监管 (government roles)."""
    if viewer is None:
        return DEFAULT_PURPOSE
    if viewer.role == "subject" and subject_id is not None and viewer.subject_id == subject_id:
        return OWN_RECORD_PURPOSE
    return ROLE_PURPOSES.get(viewer.role, DEFAULT_PURPOSE)


def purpose_of(request: Request, viewer: Viewer | None = None, subject_id: str | None = None) -> str:
    """Why the viewer is reading: `?purpose=` or the X-Purpose header, else the default for who reads
    what (`default_purpose`: own record, a bank's financing service, routine supervision)."""
    given = (request.query_params.get("purpose") or request.headers.get(PURPOSE_HEADER) or "").strip()
    return given or default_purpose(viewer, subject_id)


def log_access(
    session: Session,
    viewer: Viewer,
    subject_id: str,
    purpose: str,
    surface: str,
    *,
    detail: dict | None = None,
    now: dt.datetime | None = None,
) -> AccessLog | None:
    """Record a read of a subject's archive beyond the public view: who, when, what, why, where.

    Call it on every archive/report/export read; reads by the public (which only ever see public
    data) are not logged and return None. The row is written in the caller's transaction."""
    if viewer.is_public:
        return None
    return service.log_access(
        session,
        viewer=viewer,
        subject_id=subject_id,
        purpose=purpose,
        surface=surface,
        detail=detail,
        now=now,
    )


# --------------------------------------------------------------------------- login kinds (menu checks)


def is_person_login(session: Session, viewer: Viewer) -> bool:
    """A `subject` login bound to a natural person (not an enterprise, village or hospital)."""
    from xinyong.subjects.models import Subject

    if viewer.role != "subject" or not viewer.subject_id:
        return False
    subject = session.get(Subject, viewer.subject_id)
    return subject is not None and subject.kind == "person"


def require_person_login(request: Request, session: Session = DB) -> Viewer:
    """For person-only console pages (我的信用积分): 403 for any other login (login redirect first)."""
    viewer = get_auth(request).viewer
    if not viewer.is_public and not is_person_login(session, viewer):
        raise HTTPException(403, detail="仅限自然人本人账户 / for a natural person's own login only")
    return viewer
