"""Logins and an app client for the HTTP tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from xinyong.store.db import session_scope

# The logins most HTTP tests start from: the city admin, the district officers of 和平 (120101) and
# 河西 (120103), and a bank. Tests add their own (`{**OFFICIALS, "tax": ...}`).
OFFICIALS = {
    "admin": dict(role="city_admin"),
    "heping": dict(role="district_officer", district_code="120101"),
    "hexi": dict(role="district_officer", district_code="120103"),
    "bank": dict(role="bank"),
}


def bearer_users(engine: Engine, specs: dict[str, dict]) -> tuple[dict[str, dict], dict[str, int]]:
    """One user per login name (its create_user keyword arguments) with a bearer session each:
    ({name: Authorization header}, {name: user id})."""
    from xinyong.accounts.service import create_user, start_session

    headers, ids = {}, {}
    with session_scope(engine) as s:
        for name, spec in specs.items():
            user = create_user(s, username=name, **spec)
            token, _ = start_session(s, user=user, kind="bearer")
            headers[name], ids[name] = {"Authorization": f"Bearer {token}"}, user.id
    return headers, ids


def bearer_headers(engine: Engine, specs: dict[str, dict]) -> dict[str, dict]:
    """{login name: Authorization header} for users made from `specs` (see bearer_users)."""
    return bearer_users(engine, specs)[0]


@contextmanager
def app_client(database_url: str, **settings) -> Iterator[TestClient]:
    """A TestClient of the whole app on `database_url`; the app's engine is disposed afterwards."""
    from xinyong.app import create_app
    from xinyong.settings import Settings

    application = create_app(Settings(database_url=database_url, **settings))
    try:
        with TestClient(application) as client:
            yield client
    finally:
        application.state.engine.dispose()
