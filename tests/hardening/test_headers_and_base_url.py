"""Issue 9, defects 7 and 8: the Host header never reaches a card, QR or report; QR caching is
correct; every response carries CSP, X-Frame-Options and X-Content-Type-Options."""

from __future__ import annotations

import dataclasses
import re

import pytest
from fastapi.testclient import TestClient
from hardening_live import seed_subjects

from xinyong.public.qr import qr_png
from xinyong.settings import Settings


@pytest.fixture
def app_and_ids(sqlite_engine, sqlite_url):
    from xinyong.app import create_app

    ids = seed_subjects(sqlite_engine, 3)
    settings = dataclasses.replace(
        Settings.from_env(), database_url=sqlite_url, host="10.1.2.3", port=8123, public_base_url=""
    )
    return create_app(settings), ids, sqlite_url


def test_forged_host_header_is_never_printed(app_and_ids):
    app, ids, _ = app_and_ids
    client = TestClient(app)
    evil = {"Host": "evil.example"}
    card = client.get(f"/c/{ids[0]}", headers=evil)
    assert card.status_code == 200 and "evil.example" not in card.text
    assert f"http://10.1.2.3:8123/c/{ids[0]}" in card.text
    png = client.get(f"/c/{ids[0]}/qr.png", headers=evil)
    assert png.content == qr_png(f"http://10.1.2.3:8123/c/{ids[0]}")
    assert b"evil.example" not in client.get(f"/c/{ids[0]}/qr.svg", headers=evil).content


def test_qr_caching_is_revalidatable(app_and_ids):
    app, ids, _ = app_and_ids
    client = TestClient(app)
    first = client.get(f"/c/{ids[1]}/qr.png")
    assert first.headers["cache-control"] == "public, max-age=86400" and first.headers["etag"]
    again = client.get(f"/c/{ids[1]}/qr.png", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = client.get(f"/c/{ids[2]}/qr.png")
    assert other.headers["etag"] != first.headers["etag"]


def test_production_mode_needs_a_base_url_and_a_secret(sqlite_engine, sqlite_url):
    from xinyong.app import create_app

    base = dataclasses.replace(Settings.from_env(), database_url=sqlite_url, production=True)
    with pytest.raises(RuntimeError) as err:
        create_app(dataclasses.replace(base, public_base_url="", secret_key="dev-secret-change-me"))
    assert "XINYONG_PUBLIC_BASE_URL" in str(err.value) and "XINYONG_SECRET_KEY" in str(err.value)
    with pytest.raises(RuntimeError):
        create_app(dataclasses.replace(base, public_base_url="", secret_key="s" * 40))
    ok = create_app(
        dataclasses.replace(base, public_base_url="https://xy.example.gov.cn", secret_key="s" * 40)
    )
    assert ok.state.settings.production


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/c/{id}",
        "/c/{id}/qr.svg",
        "/public?q=天津",
        "/login",
        "/openapi.json",
        "/c/NOPE",
        "/static/ledger-verify.js",
        "/api/v1/subjects",
    ],
)
def test_security_headers_on_every_response(app_and_ids, path):
    app, ids, _ = app_and_ids
    r = TestClient(app).get(path.replace("{id}", ids[0]))
    assert r.status_code in (200, 404)
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}'", csp)
    assert (
        "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )  # no inline scripts without the nonce


def test_nonce_is_fresh_per_request(app_and_ids):
    app, _, _ = app_and_ids
    client = TestClient(app)
    nonces = {
        re.search(r"nonce-([^']+)", client.get("/healthz").headers["content-security-policy"]).group(1)
        for _ in range(5)
    }
    assert len(nonces) == 5
