"""Accounts over HTTP: login/logout, cookies, CSRF, bearer tokens, API keys, user management, bad input."""

from __future__ import annotations

import re

import pytest
from accounts_helpers import PASSWORD, enterprise, form_token, login
from fastapi.testclient import TestClient

from xinyong.accounts import service
from xinyong.store.db import session_scope


@pytest.fixture
def users(sqlite_engine):
    import datetime as dt

    now = dt.datetime(2025, 1, 1)
    with session_scope(sqlite_engine) as s:
        s.add(enterprise("S-HP", "和平商户", "120101", now))
        s.flush()
        for username, role, extra in (
            ("admin", "city_admin", {}),
            ("heping", "district_officer", {"district_code": "120101"}),
            ("hexi", "district_officer", {"district_code": "120103"}),
            ("fire", "department", {"kinds": ["inspection"]}),
            ("bank", "bank", {}),
            ("shop", "subject", {"subject_id": "S-HP"}),
        ):
            service.create_user(s, username=username, role=role, password=PASSWORD, **extra)


@pytest.fixture
def client(app, users):
    with TestClient(app) as c:
        yield c


def test_login_sets_a_hardened_cookie_and_me_reports_the_viewer(client):
    page = client.get("/login?next=/account")
    assert page.status_code == 200 and "登录" in page.text
    response = client.post(
        "/login",
        data={
            "username": "heping",
            "password": PASSWORD,
            "csrf_token": form_token(page.text),
            "next": "/account",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/account"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("xy_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    me = client.get("/api/v1/auth/me").json()
    assert me["role"] == "district_officer" and me["district_code"] == "120101" and me["via"] == "cookie"


def test_the_stored_session_is_a_digest_not_the_cookie(client, sqlite_engine):
    login(client, "heping")
    token = client.cookies.get("xy_session")
    from sqlalchemy import select

    from xinyong.accounts.models import UserSession

    with session_scope(sqlite_engine) as s:
        stored = set(s.scalars(select(UserSession.token_hash)))
    assert token not in stored and len(stored) == 1


def test_wrong_password_re_renders_the_form_without_a_session(client):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": "heping", "password": "wrong-password-9", "csrf_token": form_token(page.text)},
    )
    assert response.status_code == 401 and "用户名或密码错误" in response.text
    assert client.get("/api/v1/auth/me").json()["role"] == "public"


def test_login_form_needs_its_csrf_cookie(client):
    response = client.post(
        "/login", data={"username": "heping", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert client.get("/api/v1/auth/me").json()["role"] == "public"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "account"]
)
def test_login_never_redirects_off_site(client, target):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "heping",
            "password": PASSWORD,
            "csrf_token": form_token(page.text),
            "next": target,
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_console_post_without_csrf_is_refused_and_changes_nothing(client):
    token = login(client, "admin")
    refused = client.post("/console/users", data={"username": "newbie", "role": "bank"})
    assert refused.status_code == 403 and "CSRF" in refused.text
    wrong = client.post(
        "/console/users", data={"username": "newbie", "role": "bank", "csrf_token": token[::-1]}
    )
    assert wrong.status_code == 403
    assert "newbie" not in client.get("/api/v1/users").text
    accepted = client.post("/console/users", data={"username": "newbie", "role": "bank", "csrf_token": token})
    assert accepted.status_code == 200 and accepted.headers["cache-control"] == "no-store"
    first_password = re.search(r'<pre id="secret">(.*?)</pre>', accepted.text).group(1)
    assert "newbie" in client.get("/api/v1/users").text
    other = TestClient(client.app)
    login(other, "newbie", first_password)


def test_json_api_with_cookie_needs_the_csrf_header(client):
    token = login(client, "admin")
    assert client.post("/api/v1/users", json={"username": "newbie", "role": "bank"}).status_code == 403
    created = client.post(
        "/api/v1/users", json={"username": "newbie", "role": "bank"}, headers={"X-CSRF-Token": token}
    )
    assert created.status_code == 201 and created.json()["role"] == "bank"


def test_logout_ends_the_session_server_side(client):
    token = login(client, "heping")
    stolen = client.cookies.get("xy_session")
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    replay = TestClient(client.app, cookies={"xy_session": stolen})
    assert replay.get("/api/v1/auth/me").json()["role"] == "public"


def test_roles_guard_user_management(client):
    anonymous = client.get("/api/v1/users")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    page = client.get("/console/users", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/console/users"
    login(client, "heping")
    assert client.get("/api/v1/users").status_code == 403
    assert client.get("/console/users").status_code == 403


def test_bearer_token_for_scripts(client):
    issued = client.post("/api/v1/auth/token", json={"username": "bank", "password": PASSWORD})
    assert issued.status_code == 200
    auth = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert client.get("/api/v1/auth/me", headers=auth).json()["via"] == "bearer"
    assert client.delete("/api/v1/auth/token", headers=auth).status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth).status_code == 401
    bad = client.post("/api/v1/auth/token", json={"username": "bank", "password": "nope-nope-9"})
    assert bad.status_code == 401 and "wrong username or password" in bad.json()["detail"]


@pytest.mark.parametrize(
    "header", ["Bearer xyk_00000000_forged", "Bearer nonsense", "Basic YWRtaW46eA==", "Bearer "]
)
def test_bad_credentials_are_401_not_public(client, header):
    response = client.get("/api/v1/auth/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_api_key_lifecycle_and_department_push_guard(client, app):
    from fastapi import Depends

    from xinyong.accounts.deps import may_push_kind, require_department_key

    @app.post("/_test/push")
    def push(kind: str, viewer=Depends(require_department_key)) -> dict:  # noqa: ANN001
        return {"allowed": may_push_kind(viewer, kind)}

    token = login(client, "admin")
    fire_id = next(u["id"] for u in client.get("/api/v1/users").json() if u["username"] == "fire")
    created = client.post(
        f"/api/v1/users/{fire_id}/api-keys", json={"name": "消防推送"}, headers={"X-CSRF-Token": token}
    )
    assert created.status_code == 201
    key = created.json()["key"]
    listed = client.get(f"/api/v1/users/{fire_id}/api-keys").json()
    assert key not in str(listed) and listed[0]["prefix"] == key[:12]
    machine = TestClient(app)
    auth = {"Authorization": f"Bearer {key}"}
    assert machine.post("/_test/push?kind=inspection", headers=auth).json() == {"allowed": True}
    assert machine.post("/_test/push?kind=penalty", headers=auth).json() == {"allowed": False}
    assert machine.post("/_test/push?kind=inspection").status_code == 401  # no key
    assert (
        client.post("/_test/push?kind=inspection", headers={"X-CSRF-Token": token}).status_code == 401
    )  # cookie
    revoked = client.delete(f"/api/v1/api-keys/{created.json()['id']}", headers={"X-CSRF-Token": token})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert machine.post("/_test/push?kind=inspection", headers=auth).status_code == 401


def test_unknown_ids_are_404_with_a_message(client):
    token = login(client, "admin")
    for method, path in (
        ("get", "/api/v1/users/9999"),
        ("patch", "/api/v1/users/9999"),
        ("delete", "/api/v1/api-keys/9999"),
    ):
        kwargs = {"json": {}} if method == "patch" else {}
        response = getattr(client, method)(path, headers={"X-CSRF-Token": token}, **kwargs)
        assert response.status_code == 404 and "not found" in response.json()["detail"], path
    assert client.post("/console/users/9999/password", data={"csrf_token": token}).status_code == 404


def test_malformed_dates_are_422_naming_the_field(client):
    login(client, "admin")
    response = client.get("/api/v1/access-log?since=2025-02-30")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "since"]


def test_access_log_api_scopes(client, sqlite_engine):
    from xinyong.disclosure.policy import Viewer

    with session_scope(sqlite_engine) as s:
        service.log_access(
            s,
            viewer=Viewer(role="bank", user_id="9", username="bank"),
            subject_id="S-HP",
            purpose="授信审查",
            surface="api",
        )
    login(client, "hexi")
    assert client.get("/api/v1/access-log").json() == []
    login(client, "heping")
    rows = client.get("/api/v1/access-log").json()
    assert [(r["username"], r["purpose"]) for r in rows] == [("bank", "授信审查")]
    page = client.get("/console/access-log").text
    assert "授信审查" in page
    assert '<a href="/subjects/S-HP">和平商户</a>' in page  # the subject by its name, its id beside it
    login(client, "bank")
    assert client.get("/api/v1/access-log").status_code == 403


def test_html_and_formula_text_render_as_text(client):
    token = login(client, "admin")
    evil = '<script>alert("x")</script>=HYPERLINK("http://evil")'
    client.post(
        "/api/v1/users",
        json={"username": "evil", "role": "bank", "display_name": evil},
        headers={"X-CSRF-Token": token},
    )
    page = client.get("/console/users").text
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;=HYPERLINK(&#34;http://evil&#34;)" in page


def test_change_my_password_then_log_in_again(client):
    token = login(client, "bank")
    bad = client.post(
        "/account/password",
        data={"csrf_token": token, "current": "wrong", "new": "new-pass-123", "confirm": "new-pass-123"},
    )
    assert bad.status_code == 422 and "当前密码错误" in bad.text
    ok = client.post(
        "/account/password",
        data={"csrf_token": token, "current": PASSWORD, "new": "new-pass-123", "confirm": "new-pass-123"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert client.get("/api/v1/auth/me").json()["role"] == "public"
    login(client, "bank", "new-pass-123")


def test_a_new_login_ends_the_previous_session_of_that_browser(client):
    login(client, "heping")
    old = client.cookies.get("xy_session")
    login(client, "hexi")
    assert client.get("/api/v1/auth/me").json()["district_code"] == "120103"
    replay = TestClient(client.app, cookies={"xy_session": old})
    assert replay.get("/api/v1/auth/me").json()["role"] == "public"
