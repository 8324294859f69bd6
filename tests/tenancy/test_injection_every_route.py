"""Issue 9 item 3: SQL injection on every search and filter, and path traversal on uploads.

Every GET route of the app (API and pages) is called with each hostile value in every path parameter and
every text query parameter, as an anonymous visitor and as the city administrator, on SQLite and on
PostgreSQL (a NUL byte is valid in a URL but not in a PostgreSQL string). Each answer must be a
client error or an ordinary answer — never a 5xx — and no table may change. Searches must treat
LIKE wildcards as text: `%` finds nothing in a world where no name contains `%`.
"""

from __future__ import annotations

import io

import pytest
from tenancy_world import HEPING, ROUTES, build_request, call, snapshot

PAYLOADS = (
    "' OR '1'='1",
    "%' OR 1=1 --",
    '"; DROP TABLE records; --',
    "' UNION SELECT username, password_hash FROM users --",
    "%",
    "_",
    "\\",
    "a\x00b",
    "${7*7}{{7*7}}",
)
VIEWERS = ("public", "city_admin")
GETS = [path for method, path in ROUTES if method == "GET"]


def _text_query_params(route) -> list[str]:  # noqa: ANN001
    return [
        f.alias
        for f in route.dependant.query_params
        if f.field_info.annotation in (str, str | None) or "str" in str(f.field_info.annotation)
    ]


@pytest.mark.parametrize("world", ["sqlite", "postgresql"], indirect=True)
def test_hostile_text_in_every_parameter_of_every_get_route_is_never_a_5xx(world):
    before = snapshot(world)
    visited = 0
    failures = []
    for path in GETS:
        route = world.routes[("GET", path)]
        for payload in PAYLOADS:
            # httpx refuses a NUL inside a URL path (it is sent in query strings, percent-encoded)
            request = build_request(route, path, payload.replace("\x00", ""), HEPING)
            for name in _text_query_params(route):
                request["params"][name] = payload
            for viewer in VIEWERS:
                response = call(world, viewer, "GET", request)
                visited += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{viewer} GET {request['url']} {request['params']} → {response.status_code}"
                    )
    assert visited == len(GETS) * len(PAYLOADS) * len(VIEWERS)
    assert not failures, "\n".join(failures[:40])
    assert snapshot(world) == before


@pytest.mark.parametrize("world", ["sqlite", "postgresql"], indirect=True)
def test_like_wildcards_in_a_search_are_text(world):
    client, _ = world.clients["public"]
    for q in ("%%", "__", "%_"):
        found = client.get("/api/v1/public/search", params={"q": q})
        assert found.status_code == 200 and found.json()["items"] == [], (q, found.text[:300])
    city, _ = world.clients["city_admin"]
    listed = city.get("/api/v1/subjects", params={"q": "%%"})
    assert listed.status_code == 200 and listed.json()["items"] == [], listed.text[:300]


@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("../../evil.csv", "evil.csv"),
        ("..", "upload"),
        (".", "upload"),
        ("/etc/passwd.csv", "passwd.csv"),
        ("a/../../b.csv", "b.csv"),
        ("..\\..\\w.csv", "w.csv"),
        ("x\x07y.csv", "xy.csv"),
        ("a" * 300 + ".xlsx", "a" * 115 + ".xlsx"),  # 120 characters in all
    ],
)
def test_an_upload_name_never_leaves_the_upload_folder(sent, saved):
    from xinyong.ingest.api import upload_name

    assert upload_name(sent) == saved


def test_hostile_upload_names_through_the_api_are_never_a_5xx(world):
    from xinyong.accounts import service as accounts
    from xinyong.store.db import session_scope

    with session_scope(world.engine) as s:
        user = accounts.create_user(
            s, username="traversal-dept", role="department", kinds=["penalty"], sources=["和平区市场监管局"]
        )
        key = accounts.issue_api_key(s, user=user, name="k")[0]
    client, _ = world.clients["public"]
    body = "行政相对人名称,处罚决定书文号\n".encode()
    for name in ("..", ".", "a" * 300 + ".csv", "../../evil.csv", "..\\..\\w.csv"):
        response = client.post(
            "/api/v1/ingest",
            files={"file": (name, io.BytesIO(body), "text/csv")},
            data={"source": "和平区市场监管局", "kind": "penalty"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 200, (name, response.text[:300])
        saved = response.json()["filename"]
        assert "/" not in saved and "\\" not in saved and saved not in (".", ".."), saved
