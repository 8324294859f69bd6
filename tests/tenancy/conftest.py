"""The tenancy world, shared by the harness modules (built once per module: it is read-mostly)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

# The harness library sits beside this file; put it on the path however pytest was started.
sys.path.insert(0, str(Path(__file__).parent))
from tenancy_world import (  # noqa: E402
    HEPING,
    HEXI,
    LIFECYCLE,
    World,
    _app,
    api_routes,
    build_district,
    hostile_rows,
)

from xinyong.accounts import security, service  # noqa: E402
from xinyong.status.service import change_status  # noqa: E402
from xinyong.store.db import make_engine, session_scope  # noqa: E402
from xinyong.store.migrate import upgrade  # noqa: E402

SECRET = "tenancy-secret"


def _session_for(engine, username: str, secret: str) -> tuple[dict[str, str], dict[str, str]]:  # noqa: ANN001
    with session_scope(engine) as s:
        user = service.get_user(s, username=username)
        token, row = service.start_session(s, user=user, kind="cookie", now=service.utcnow())
        csrf = security.csrf_token(secret, row.token_hash)
    return {"xy_session": token}, {"X-CSRF-Token": csrf}


@pytest.fixture(scope="module")
def world(request, tmp_path_factory) -> Iterator[World]:
    """On SQLite by default; `@pytest.mark.parametrize("world", ["sqlite", "postgresql"], indirect=True)`
    runs a module on both stores."""
    store = getattr(request, "param", "sqlite")
    pg_name = None
    if store == "postgresql":
        server = request.getfixturevalue("pg_server")
        pg_name = "tenancy_" + uuid.uuid4().hex[:10]
        url = server.create_database(pg_name)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('tenancy') / 'xinyong.db'}"
    upgrade(url)
    engine = make_engine(url)
    hp, hp_rows = build_district(HEPING, "HP", 1, "诸葛孔明", "司马懿")
    hx, hx_rows = build_district(HEXI, "HX", 2, "欧阳修远", "上官婉儿")
    with session_scope(engine) as s:
        rows = hp_rows + hx_rows + hostile_rows()
        s.add_all([r for r in rows if r.__tablename__ == "subjects"])
        s.flush()
        s.add_all([r for r in rows if r.__tablename__ == "records"])
        s.flush()
        for d in (hp, hx):
            for label, event, effective in LIFECYCLE:
                change_status(
                    s,
                    record_id=d.record_ids[label],
                    event=event,
                    actor="tenancy",
                    reason="planted",
                    effective_on=effective,
                )
        service.create_user(
            s, username="hp-officer", role="district_officer", district_code=HEPING, password="tenancy-pass-1"
        )
        service.create_user(s, username="city-admin", role="city_admin", password="tenancy-pass-1")
        service.create_user(s, username="bank-1", role="bank", password="tenancy-pass-1")
        service.create_user(
            s, username="hp-merchant", role="subject", subject_id=hp.firm_id, password="tenancy-pass-1"
        )
        service.create_user(
            s, username="fire-dept", role="department", kinds=["inspection"], password="tenancy-pass-1"
        )
    secret = SECRET
    app = _app(url, secret)
    clients = {}
    for viewer, username in (
        ("heping_officer", "hp-officer"),
        ("department", "fire-dept"),
        ("city_admin", "city-admin"),
        ("bank", "bank-1"),
        ("merchant", "hp-merchant"),
        ("public", None),
    ):
        client = TestClient(app, raise_server_exceptions=False)
        headers: dict[str, str] = {}
        if username:
            cookies, headers = _session_for(engine, username, secret)
            client.cookies.update(cookies)
        clients[viewer] = (client, headers)
    routes = {(m, r.path): r for r in api_routes(app) for m in r.methods}
    yield World(app, engine, hp, hx, routes, clients)
    app.state.engine.dispose()
    engine.dispose()
    if pg_name:
        server.drop_database(pg_name)
