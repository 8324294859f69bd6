"""REST endpoints of accounts: tokens for scripts, user and API-key management, the access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from sqlalchemy.orm import Session

from xinyong.accounts import service
from xinyong.accounts.deps import Db, get_auth, require_role
from xinyong.accounts.models import ApiKey
from xinyong.accounts.schemas import (
    AccessLogOut,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    PasswordIn,
    SourcesIn,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
    ViewerOut,
)
from xinyong.accounts.service import AccountError
from xinyong.apitypes import Day, Offset, RowId
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer

router = APIRouter(prefix="/api/v1", tags=["accounts"])

Admin = Annotated[Viewer, Depends(require_role("city_admin"))]
# Integer ids within the store's INTEGER range: a larger number is malformed (422), not a 500.


def _fail(exc: AccountError) -> HTTPException:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return HTTPException(exc.status, detail=f"{exc.field}: {exc.message}", headers=headers)


@router.post("/auth/token", response_model=TokenOut)
def issue_token(body: TokenIn, request: Request, db: Db) -> TokenOut:
    """Exchange a username and password for a bearer token (24 h) for scripts."""
    try:
        user = service.authenticate(
            db,
            username=body.username,
            password=body.password,
            client=request.client.host if request.client else None,
        )
    except AccountError as exc:
        db.commit()  # keep the failed-attempt count even though we answer with an error
        raise _fail(exc) from exc
    token, row = service.start_session(
        db,
        user=user,
        kind="bearer",
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    return TokenOut(token=token, expires_at=row.expires_at)


@router.delete("/auth/token", status_code=204)
def revoke_token(
    request: Request, db: Db, _viewer: Annotated[Viewer, Depends(require_role(*LOGIN_ROLES))]
) -> Response:
    """End the bearer token used for this request."""
    header = request.headers.get("authorization", "")
    if get_auth(request).via != "bearer":
        raise HTTPException(400, detail="只能吊销 Bearer 令牌 / only a bearer token can be revoked here")
    service.end_session(db, token=header.partition(" ")[2].strip())
    return Response(status_code=204)


@router.get("/auth/me", response_model=ViewerOut)
def whoami(request: Request) -> ViewerOut:
    """Who the request is authenticated as (role `public` without credentials)."""
    auth = get_auth(request)
    v = auth.viewer
    return ViewerOut(
        role=v.role,
        username=v.username,
        display_name=auth.display_name,
        district_code=v.district_code,
        kinds=sorted(v.kinds) if v.kinds is not None else None,
        subject_id=v.subject_id,
        via=auth.via,
    )


@router.get("/users", response_model=list[UserOut])
def list_users(
    db: Db, _admin: Admin, role: str | None = None, district_code: str | None = None
) -> list[UserOut]:
    """All users (city admin)."""
    return [UserOut.model_validate(u) for u in service.list_users(db, role=role, district_code=district_code)]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, db: Db, _admin: Admin) -> UserOut:
    """Create a user (city admin)."""
    try:
        user = service.create_user(db, **body.model_dump())
    except AccountError as exc:
        raise _fail(exc) from exc
    return UserOut.model_validate(user)


def _user(db: Session, user_id: int):  # noqa: ANN202 - User
    try:
        return service.get_user(db, user_id=user_id)
    except AccountError as exc:
        raise _fail(exc) from exc


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: RowId, db: Db, _admin: Admin) -> UserOut:
    return UserOut.model_validate(_user(db, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def patch_user(user_id: RowId, body: UserPatch, db: Db, _admin: Admin) -> UserOut:
    """Rename, disable (ends its sessions) or re-enable a user (city admin)."""
    user = _user(db, user_id)
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.is_active is not None:
        try:
            service.set_active(db, user=user, active=body.is_active)
        except AccountError as exc:
            raise _fail(exc) from exc
    return UserOut.model_validate(user)


@router.put("/users/{user_id}/sources", response_model=UserOut)
def put_sources(user_id: RowId, body: SourcesIn, db: Db, _admin: Admin) -> UserOut:
    """Register the data sources (数据来源) a department may push under (city admin); replaces the
    list. A push under any other source is refused with 403."""
    user = _user(db, user_id)
    try:
        service.set_sources(db, user=user, sources=body.sources)
    except AccountError as exc:
        raise _fail(exc) from exc
    return UserOut.model_validate(user)


@router.post("/users/{user_id}/password", status_code=204)
def reset_password(user_id: RowId, body: PasswordIn, db: Db, _admin: Admin) -> Response:
    """Set a user's password (city admin); ends the user's sessions."""
    try:
        service.set_password(db, user=_user(db, user_id), password=body.password)
    except AccountError as exc:
        raise _fail(exc) from exc
    return Response(status_code=204)


@router.get("/users/{user_id}/api-keys", response_model=list[ApiKeyOut])
def list_keys(user_id: RowId, db: Db, _admin: Admin) -> list[ApiKeyOut]:
    return [ApiKeyOut.model_validate(k) for k in service.list_api_keys(db, user=_user(db, user_id))]


@router.post("/users/{user_id}/api-keys", response_model=ApiKeyCreated, status_code=201)
def create_key(user_id: RowId, body: ApiKeyIn, db: Db, _admin: Admin) -> ApiKeyCreated:
    """Issue an API key for a user (city admin). The key is in this response only."""
    try:
        key, row = service.issue_api_key(
            db, user=_user(db, user_id), name=body.name, expires_at=body.expires_at
        )
    except AccountError as exc:
        raise _fail(exc) from exc
    return ApiKeyCreated(key=key, **ApiKeyOut.model_validate(row).model_dump())


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut)
def revoke_key(key_id: RowId, db: Db, _admin: Admin) -> ApiKeyOut:
    """Revoke an API key (city admin)."""
    try:
        row: ApiKey = service.revoke_api_key(db, key_id=key_id)
    except AccountError as exc:
        raise _fail(exc) from exc
    return ApiKeyOut.model_validate(row)


@router.get("/access-log", response_model=list[AccessLogOut])
def access_log(
    db: Db,
    viewer: Annotated[Viewer, Depends(require_role("city_admin", "district_officer"))],
    subject_id: str | None = None,
    since: Annotated[Day, Query(description="first day (YYYY-MM-DD)")] = None,
    until: Annotated[Day, Query(description="last day (YYYY-MM-DD)")] = None,
    limit: int = Query(200, ge=1, le=5000),
    offset: Offset = 0,
) -> list[AccessLogOut]:
    """查询留痕: reads of non-public archives. City admin: all; district officer: its district's."""
    rows = service.list_access_log(
        db, viewer=viewer, subject_id=subject_id, since=since, until=until, limit=limit, offset=offset
    )
    return [AccessLogOut.model_validate(r) for r in rows]
