"""The console's webhook list: disable / enable an endpoint and rotate its signing secret, through the
webhook service, scoped like the rest of /webhooks (a district officer: their district's endpoints only).
A rotated secret is shown once, on the answer to the rotation, and signs every later delivery."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from xinyong.accounts import security
from xinyong.accounts.service import create_user, start_session
from xinyong.notify import emit, service
from xinyong.notify.models import Delivery, WebhookEndpoint
from xinyong.notify.worker import run_once
from xinyong.settings import Settings
from xinyong.store.db import session_scope

SECRET_KEY = "webhooks-console-secret"
HTML = {"Accept": "text/html"}


@pytest.fixture
def console(engine, db_url):
    """(clients by login with their CSRF header, 和平's endpoint id, 河西's endpoint id)."""
    from xinyong.app import create_app

    app = create_app(Settings(database_url=db_url, secret_key=SECRET_KEY))
    clients = {}
    with session_scope(engine) as s:
        hp = service.add_endpoint(s, url="http://127.0.0.1:9/hp", actor="t", district_code="120101")
        hx = service.add_endpoint(s, url="http://127.0.0.1:9/hx", actor="t", district_code="120103")
        ids = (hp.id, hx.id)
        for name, spec in {
            "admin": dict(role="city_admin"),
            "heping": dict(role="district_officer", district_code="120101"),
            "bank": dict(role="bank"),
        }.items():
            user = create_user(s, username=name, **spec)
            token, row = start_session(s, user=user, kind="cookie")
            client = TestClient(app, raise_server_exceptions=False)
            client.cookies.update({"xy_session": token})
            clients[name] = (client, {"X-CSRF-Token": security.csrf_token(SECRET_KEY, row.token_hash)})
    yield clients, *ids
    app.state.engine.dispose()


def _post(clients, who: str, path: str, **data):  # noqa: ANN001, ANN202
    client, csrf = clients[who]
    return client.post(path, data=data, headers={**csrf, **HTML}, follow_redirects=False)


def _endpoint(engine, endpoint_id: int) -> tuple[bool, str | None, str]:  # noqa: ANN001
    with session_scope(engine) as s:
        ep = s.get(WebhookEndpoint, endpoint_id)
        return ep.enabled, ep.disabled_reason, ep.secret


def test_the_list_offers_disable_and_rotate_for_each_endpoint(console):
    clients, hp, hx = console
    page = clients["admin"][0].get("/webhooks", headers=HTML).text
    for ep in (hp, hx):
        assert f'action="/webhooks/{ep}/disable"' in page and f'action="/webhooks/{ep}/rotate"' in page
    assert "whsec_" not in page  # secrets are never listed
    officer = clients["heping"][0].get("/webhooks", headers=HTML).text
    assert f"/webhooks/{hp}/rotate" in officer and f"/webhooks/{hx}/rotate" not in officer


def test_disable_then_enable(console, engine):
    clients, hp, _ = console
    r = _post(clients, "heping", f"/webhooks/{hp}/disable", reason="接收方维护 maintenance")
    assert r.status_code == 303
    assert _endpoint(engine, hp)[:2] == (False, "接收方维护 maintenance")
    page = clients["heping"][0].get("/webhooks", headers=HTML).text
    assert "停用 disabled — 接收方维护 maintenance" in page and f'action="/webhooks/{hp}/enable"' in page
    with session_scope(engine) as s:  # a new event of 和平 reaches no disabled endpoint
        emit(s, kind="alert.raised", payload={}, district_code="120101")
    run_once(engine, settings=Settings())
    with session_scope(engine) as s:  # fan-out skips a disabled endpoint: no delivery at all
        assert s.scalars(select(Delivery).where(Delivery.endpoint_id == hp)).all() == []
    assert _post(clients, "heping", f"/webhooks/{hp}/enable").status_code == 303
    assert _endpoint(engine, hp)[:2] == (True, None)


def test_disable_without_a_reason_records_the_default(console, engine):
    clients, hp, _ = console
    assert _post(clients, "admin", f"/webhooks/{hp}/disable").status_code == 303
    assert _endpoint(engine, hp)[:2] == (False, "手动停用 / disabled by hand")


def test_rotate_shows_the_new_secret_once_and_it_signs(console, engine, receiver):
    clients, hp, _ = console
    with session_scope(engine) as s:  # point 和平's endpoint at a real receiver
        s.get(WebhookEndpoint, hp).url = receiver.url
    old = _endpoint(engine, hp)[2]
    r = _post(clients, "heping", f"/webhooks/{hp}/rotate")
    assert r.status_code == 200
    new = _endpoint(engine, hp)[2]
    assert new != old and new.startswith("whsec_")
    shown = re.search(r'id="secret".*?<code>([^<]+)</code>', r.text, re.S).group(1)
    assert shown == new and f"端点 #{hp}" in r.text
    assert new not in clients["heping"][0].get("/webhooks", headers=HTML).text  # shown once only
    with session_scope(engine) as s:
        emit(s, kind="alert.raised", payload={"n": 1}, district_code="120101")
    run_once(engine, settings=Settings())
    (hit,) = receiver.hits
    assert Webhook(new).verify(hit.body, hit.headers)["type"] == "alert.raised"
    with pytest.raises(Exception):  # noqa: B017, PT011 - the old secret no longer verifies
        Webhook(old).verify(hit.body, hit.headers)


def test_other_districts_endpoints_and_other_roles_are_refused(console, engine):
    clients, hp, hx = console
    before = _endpoint(engine, hx)
    for action in ("disable", "enable", "rotate"):
        r = _post(clients, "heping", f"/webhooks/{hx}/{action}")
        assert r.status_code == 404 and "端点不存在" in r.text and "not found" in r.text
        assert _post(clients, "bank", f"/webhooks/{hp}/{action}").status_code == 403
        assert _post(clients, "heping", f"/webhooks/999999/{action}").status_code == 404
    assert _endpoint(engine, hx) == before


def test_rotate_refuses_a_malformed_given_secret(engine):
    with session_scope(engine) as s:
        ep = service.add_endpoint(s, url="http://127.0.0.1:9/x", actor="t")
        with pytest.raises(service.NotifyError) as caught:
            service.rotate_secret(s, endpoint_id=ep.id, secret="plain")
        assert "whsec_" in caught.value.zh and "whsec_" in caught.value.en
        assert service.rotate_secret(s, endpoint_id=ep.id, secret="whsec_QUJD").secret == "whsec_QUJD"
