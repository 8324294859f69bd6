"""Role-aware menu and the browser's error pages, on a small demo build with the demo logins.

The menu is checked against the routes' own guards: every page the menu could link to is opened as
every role, and a link is shown exactly when the page opens (200), never a 403 or a login redirect.
"""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from helpers.console import logged_in, menu
from xinyong.accounts.service import DEMO_PASSWORD, seed_demo_users
from xinyong.console.nav import NAV
from xinyong.demo.generator import DemoConfig
from xinyong.demo.service import build_demo
from xinyong.settings import Settings
from xinyong.store.db import make_engine

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
DEMO_LOGINS = (
    "admin", "heping", "hexi", "shichang", "bank", "merchant", "resident", "cunwei", "cunmin", "dongli_hospital"
)  # fmt: skip


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from xinyong.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('nav') / 'demo.db'}"
    build_demo(url=url, config=DemoConfig(scale=0.02))
    engine = make_engine(url)
    seed_demo_users(engine)
    engine.dispose()
    return create_app(dataclasses.replace(Settings.from_env(), database_url=url))


def login(app, username: str | None) -> TestClient:
    return logged_in(app, username, DEMO_PASSWORD, raise_server_exceptions=False)


@pytest.mark.parametrize("username", [None, *DEMO_LOGINS])
def test_menu_shows_exactly_the_pages_the_role_may_open(app, username):
    client = login(app, username)
    shown = menu(client.get("/", headers=HTML).text)
    for link in NAV:
        status = client.get(link.href, headers=HTML, follow_redirects=False).status_code
        assert (link.href in shown) == (status == 200), (username, link.href, status)
    assert "/" in shown and "/public" in shown


def test_browser_gets_chinese_error_pages_and_the_api_keeps_json(app):
    heping = login(app, "heping")
    r = heping.get("/quarantine", headers=HTML)
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "无权访问" in r.text and 'data-status="403"' in r.text
    rid = r.headers["x-request-id"]
    assert rid and rid in r.text
    assert heping.get("/quarantine", headers={"Accept": "application/json"}).json()["detail"]

    r = heping.get("/subjects/NO-SUCH-SUBJECT", headers=HTML)
    assert r.status_code == 404 and "页面或主体不存在" in r.text and "NO-SUCH-SUBJECT" in r.text
    r = heping.get("/c/NO-SUCH-SUBJECT", headers=HTML)
    assert r.status_code == 404 and "页面或主体不存在" in r.text
    r = heping.get("/no/such/page", headers=HTML)
    assert r.status_code == 404 and "<html" in r.text
    # The API answers JSON even to a browser.
    r = heping.get("/api/v1/subjects/NO-SUCH-SUBJECT", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert r.headers["x-request-id"]

    r = heping.get("/subjects?offset=-1", headers=HTML)
    assert r.status_code == 422 and "输入无法处理" in r.text and "offset" in r.text
    assert heping.get("/subjects?offset=-1").json()["detail"][0]["loc"] == ["query", "offset"]
    # the reason in Chinese before pydantic's English, for a bad and for a missing parameter
    assert "offset：不能小于 0 / offset: must be at least 0" in r.text
    r = heping.get("/evaluation/card/NO-SUCH-SUBJECT", headers=HTML)
    assert r.status_code == 422 and "model：必填项未填写 / model: required" in r.text
    # an unknown path: the bilingual title only, not Starlette's bare English "Not Found" as a detail
    r = heping.get("/no/such/page", headers=HTML)
    assert "页面或主体不存在" in r.text and 'id="error-details"' not in r.text and "Not Found" not in r.text
    # A client's own request id is echoed when it has a sane shape, replaced otherwise.
    r = heping.get("/nope", headers={**HTML, "X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123" and "abc-123" in r.text
    r = heping.get("/nope", headers={**HTML, "X-Request-ID": "<script>"})
    assert r.headers["x-request-id"] != "<script>" and "<script>" not in r.text


def test_server_error_page_has_the_request_id_and_no_traceback(app):
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/__boom", boom)
    client = login(app, None)
    r = client.get("/__boom", headers=HTML)
    assert r.status_code == 500 and "系统内部错误" in r.text
    assert r.headers["x-request-id"] in r.text and "secret internal detail" not in r.text
    r = client.get("/__boom")
    assert r.status_code == 500 and r.json()["request_id"] == r.headers["x-request-id"]
