"""Issue 9, faults: a database connection dropped in the middle of a request is a clean 503 with a
bilingual body, and the next request works (the pool pre-pings and replaces the dead connection).

PostgreSQL only: the request kills its own server backend with `pg_terminate_backend`, exactly what
a database restart or a network cut does to a connection in use.
"""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient
from hardening_live import seed_subjects
from sqlalchemy import text

from xinyong.settings import Settings
from xinyong.store.db import make_engine
from xinyong.store.migrate import upgrade

pytestmark = pytest.mark.pg


def test_connection_dropped_mid_request_is_a_clean_503_and_the_next_request_works(pg_url):
    from xinyong.app import create_app

    upgrade(pg_url)
    engine = make_engine(pg_url)
    ids = seed_subjects(engine, 2)
    engine.dispose()
    app = create_app(dataclasses.replace(Settings.from_env(), database_url=pg_url))

    @app.get("/test-only/drop-my-connection")
    def drop() -> dict:
        with app.state.engine.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pg_backend_pid())")
            )  # the server ends this backend
            conn.execute(text("SELECT 1"))  # the next statement finds the connection gone
        return {"unreachable": True}

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get(f"/c/{ids[0]}").status_code == 200  # the pool holds a live connection now
        dropped = client.get("/test-only/drop-my-connection")
        assert dropped.status_code == 503, dropped.text
        assert dropped.headers["retry-after"] == "1"
        assert dropped.json()["detail"]["zh"] == "数据库暂时不可用，请稍后重试"
        assert "database" in dropped.json()["detail"]["en"]
        # every pooled connection killed from outside between requests: pre-ping replaces them
        admin = make_engine(pg_url)
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        admin.dispose()
        for _ in range(3):
            again = client.get(f"/c/{ids[0]}")
            assert again.status_code == 200 and "天津负载测试00000有限公司" in again.text
    app.state.engine.dispose()
