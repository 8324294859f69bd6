"""Console pages of accounts: login/logout, my account, user management and the access log.

Every form carries the session's CSRF token (hidden field `csrf_token`); the login form, which has
no session yet, uses a double-submit cookie instead. Secrets (a reset password, a new API key) are
shown once on a no-store page and never again.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import security, service
from xinyong.accounts.deps import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Db,
    csrf_token_for,
    get_auth,
    require_console_role,
)
from xinyong.accounts.service import AccountError
from xinyong.apitypes import Day, RowId
from xinyong.console.templating import env, render
from xinyong.disclosure.policy import LOGIN_ROLES, ROLES, Viewer

router = APIRouter(include_in_schema=False)

Admin = Annotated[Viewer, Depends(require_console_role("city_admin"))]
Anyone = Annotated[Viewer, Depends(require_console_role(*LOGIN_ROLES))]

# Templates everywhere may use these: `{{ csrf_token(request) }}` in forms and htmx headers,
# `{% set auth = current_auth(request) %}` for the user bar.
env.globals.setdefault("csrf_token", csrf_token_for)
env.globals.setdefault("current_auth", get_auth)
env.globals.setdefault("role_names", ROLES)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: `//evil.example` or `https://…` would make login an open redirect."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _secure(request: Request) -> bool:
    return request.app.state.settings.cookie_secure or request.url.scheme == "https"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- login / logout


def _login_page(
    request: Request, *, next_url: str, error: str | None = None, status: int = 200, username: str = ""
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or security.new_token()
    response = render(
        request, "accounts/login.html", next_url=next_url, error=error, login_csrf=token, username=username
    )
    response.status_code = status
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=3600,
        path="/login",
    )
    return _no_store(response)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query name
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: Db,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    next_url = _safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        return _login_page(
            request,
            next_url=next_url,
            status=403,
            username=username,
            error="页面已过期，请重新提交 / the form expired; please submit again",
        )
    try:
        user = service.authenticate(
            db,
            username=username.strip(),
            password=password,
            client=request.client.host if request.client else None,
        )
    except AccountError as exc:
        db.commit()  # keep the failed-attempt count
        page = _login_page(
            request, next_url=next_url, error=exc.message, status=exc.status, username=username
        )
        if exc.retry_after:
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # a new login replaces the browser's old session instead of leaving it alive
        service.end_session(db, token=previous)
    token, row = service.start_session(
        db,
        user=user,
        kind="cookie",
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    # Commit before answering: the browser follows the 303 at once, and its next request must find
    # the session row (dependency teardown would commit only after the redirect has gone out).
    db.commit()
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=int((row.expires_at - row.created_at).total_seconds()),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, db: Db, _viewer: Anyone) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(db, token=token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --------------------------------------------------------------------------- my account


@router.get("/account", response_class=HTMLResponse)
def my_account(request: Request, db: Db, viewer: Anyone) -> Response:
    user = service.get_user(db, user_id=int(viewer.user_id or 0))
    return render(request, "accounts/account.html", user=user, message=None, error=None)


@router.post("/account/password", response_class=HTMLResponse)
def change_my_password(
    request: Request,
    db: Db,
    viewer: Anyone,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
    confirm: Annotated[str, Form()],
) -> Response:
    user = service.get_user(db, user_id=int(viewer.user_id or 0))
    error = None
    if not security.verify_password(user.password_hash, current)[0]:
        error = "当前密码错误 / the current password is wrong"
    elif new != confirm:
        error = "两次输入的新密码不一致 / the new passwords differ"
    else:
        try:
            service.set_password(db, user=user, password=new)
        except AccountError as exc:
            error = exc.message
    if error:
        response = render(request, "accounts/account.html", user=user, message=None, error=error)
        response.status_code = 422
        return response
    # set_password ended every session, this one included: log in again with the new password.
    response = RedirectResponse("/login?next=/account", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --------------------------------------------------------------------------- user management


def _users_page(request: Request, db: Session, *, error: str | None = None, status: int = 200) -> Response:
    users = service.list_users(db)
    keys = {u.id: service.list_api_keys(db, user=u) for u in users}
    response = render(
        request,
        "accounts/users.html",
        users=users,
        keys=keys,
        error=error,
        roles=LOGIN_ROLES,
        districts=service.known_districts(),
    )
    response.status_code = status
    return response


@router.get("/console/users", response_class=HTMLResponse)
def users_page(request: Request, db: Db, _admin: Admin) -> Response:
    return _users_page(request, db)


@router.post("/console/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    db: Db,
    _admin: Admin,
    username: Annotated[str, Form()],
    role: Annotated[str, Form()],
    display_name: Annotated[str, Form()] = "",
    district_code: Annotated[str, Form()] = "",
    kinds: Annotated[str, Form()] = "",
    subject_id: Annotated[str, Form()] = "",
) -> Response:
    """Create a user with a generated first password, shown once."""
    password = generate_password()
    try:
        user = service.create_user(
            db,
            username=username.strip(),
            role=role,
            password=password,
            display_name=display_name.strip() or None,
            district_code=district_code.strip() or None,
            kinds=kinds.replace("，", ",").split(","),
            subject_id=subject_id.strip() or None,
        )
    except AccountError as exc:
        db.rollback()
        return _users_page(request, db, error=exc.message, status=exc.status)
    return _secret_page(request, user=user, what="password", secret=password)


def _target(db: Session, user_id: int):  # noqa: ANN202 - User
    try:
        return service.get_user(db, user_id=user_id)
    except AccountError as exc:
        raise HTTPException(404, detail=exc.message) from exc


@router.post("/console/users/{user_id}/active")
def toggle_active(
    request: Request, user_id: RowId, db: Db, _admin: Admin, active: Annotated[bool, Form()]
) -> Response:
    try:
        service.set_active(db, user=_target(db, user_id), active=active)
    except AccountError as exc:
        if exc.status == 404:
            raise HTTPException(404, detail=exc.message) from exc
        return _users_page(request, db, error=exc.message, status=exc.status)
    return RedirectResponse("/console/users", status_code=303)


@router.post("/console/users/{user_id}/password", response_class=HTMLResponse)
def reset_password(request: Request, user_id: RowId, db: Db, _admin: Admin) -> Response:
    user = _target(db, user_id)
    password = generate_password()
    service.set_password(db, user=user, password=password)
    return _secret_page(request, user=user, what="password", secret=password)


@router.post("/console/users/{user_id}/api-keys", response_class=HTMLResponse)
def issue_key(
    request: Request, user_id: RowId, db: Db, _admin: Admin, name: Annotated[str, Form()]
) -> Response:
    user = _target(db, user_id)
    try:
        key, _row = service.issue_api_key(db, user=user, name=name.strip())
    except AccountError as exc:
        return _users_page(request, db, error=exc.message, status=exc.status)
    return _secret_page(request, user=user, what="api_key", secret=key)


@router.post("/console/api-keys/{key_id}/revoke")
def revoke_key(key_id: RowId, db: Db, _admin: Admin) -> Response:
    try:
        service.revoke_api_key(db, key_id=key_id)
    except AccountError as exc:
        raise HTTPException(404, detail=exc.message) from exc
    return RedirectResponse("/console/users", status_code=303)


def _secret_page(request: Request, *, user, what: str, secret: str) -> Response:  # noqa: ANN001 - User
    return _no_store(render(request, "accounts/secret_once.html", user=user, what=what, secret=secret))


def generate_password() -> str:
    """A first or reset password: 14 random URL-safe characters plus digits (passes the policy)."""
    return f"{secrets.token_urlsafe(10)}-{secrets.randbelow(900) + 100}"


# --------------------------------------------------------------------------- access log page


def _subject_names(db: Session, viewer: Viewer, ids: set[str]) -> dict[str, str]:
    """Subject id → name as this viewer may see it (persons masked by the disclosure policy)."""
    from sqlalchemy import select

    from xinyong.disclosure.policy import present_subject
    from xinyong.subjects.models import Subject

    if not ids:
        return {}
    return {
        s.id: present_subject(viewer, s)["name"]
        for s in db.scalars(select(Subject).where(Subject.id.in_(ids)))
    }


@router.get("/console/access-log", response_class=HTMLResponse)
def access_log_page(
    request: Request,
    db: Db,
    viewer: Annotated[Viewer, Depends(require_console_role("city_admin", "district_officer"))],
    subject_id: str | None = None,
    since: Annotated[Day, Query()] = None,
    until: Annotated[Day, Query()] = None,
) -> Response:
    rows = service.list_access_log(
        db, viewer=viewer, subject_id=subject_id or None, since=since, until=until, limit=500
    )
    return render(
        request,
        "accounts/access_log.html",
        rows=rows,
        subject_names=_subject_names(db, viewer, {r.subject_id for r in rows}),
        subject_id=subject_id or "",
        since=since,
        until=until,
        viewer=viewer,
        form_field=CSRF_FIELD,
    )
