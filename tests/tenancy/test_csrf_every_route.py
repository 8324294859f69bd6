"""CSRF on EVERY state-changing route (enumerated at collection): a logged-in browser session
without the CSRF token must not achieve more than an anonymous visitor — the request is refused
(403) or answered exactly as for nobody, and the store does not change beyond what an anonymous
request changes."""

from __future__ import annotations

import uuid

import pytest
from tenancy_world import HEPING, ROUTES, UNSAFE, build_request, snapshot

UNSAFE_ROUTES = [(m, p) for m, p in ROUTES if m in UNSAFE]


def _send(world, viewer: str, method: str, request: dict, headers: dict | None = None):  # noqa: ANN001, ANN202
    client, _csrf = world.clients[viewer]
    kwargs = {k: v for k, v in request.items() if k in ("params", "json", "data", "files") and v is not None}
    if kwargs.get("files"):  # fresh content each time: a duplicate upload must not mask the comparison
        nonce = uuid.uuid4().hex.encode()
        kwargs["files"] = {
            k: (name, body + nonce, ctype) for k, (name, body, ctype) in kwargs["files"].items()
        }
    return client.request(method, request["url"], headers=headers or {}, follow_redirects=False, **kwargs)


@pytest.mark.parametrize("viewer", ["city_admin", "heping_officer"])
@pytest.mark.parametrize(("method", "path"), UNSAFE_ROUTES, ids=[f"{m} {p}" for m, p in UNSAFE_ROUTES])
def test_no_state_change_without_the_csrf_token(world, viewer, method, path):
    route = world.routes[(method, path)]
    request = build_request(route, path, world.hp.firm_id, HEPING)
    anonymous = _send(world, "public", method, request)
    before = snapshot(world)
    forged = _send(world, viewer, method, request, headers={"Origin": "https://evil.example"})
    after = snapshot(world)
    assert forged.status_code == 403 or forged.status_code == anonymous.status_code, (
        f"{method} {path}: {forged.status_code} with a session but no CSRF token, "
        f"{anonymous.status_code} anonymously: {forged.text[:300]}"
    )
    if forged.status_code == 403:
        assert before == after, (
            f"{method} {path} refused the request but changed {[t for t in after if before[t] != after[t]]}"
        )


def test_the_csrf_probe_can_fail(world):
    """With a valid token the same admin request does get through (so the probe above is not
    vacuously satisfied by every route refusing everything)."""
    client, csrf = world.clients["city_admin"]
    ok = client.post("/api/v1/users", json={"username": "csrf-probe", "role": "bank"}, headers=csrf)
    refused = client.post("/api/v1/users", json={"username": "csrf-probe2", "role": "bank"})
    assert (ok.status_code, refused.status_code) == (201, 403)
