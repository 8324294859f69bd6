"""Issue 9, defects 5 and 6: huge integers, error bodies true to the OpenAPI schema, time zones,
anonymous listing of the registry and the public search rate.

The probes: `offset=9223372036854775808` and ledger sizes past 2^63 gave 500s; 422 bodies
contradicted the schema; `AccessLogOut.at` had no time zone; `/api/v1/subjects.csv?limit=100000`
listed the whole registry anonymously; 300 public searches in 3.3 s were all answered.
"""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from fastapi.testclient import TestClient
from hardening_live import seed_subjects
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.settings import Settings

HUGE = str(2**63)  # 9223372036854775808: one past the largest signed 64-bit integer
N_SUBJECTS = 80


@pytest.fixture
def client(sqlite_engine, sqlite_url, monkeypatch):
    from xinyong.app import create_app

    monkeypatch.setenv("XINYONG_PUBLIC_SEARCH_RATE", "60")  # bursts of 6
    seed_subjects(sqlite_engine, N_SUBJECTS)
    with Session(sqlite_engine) as s:
        admin = accounts.create_user(s, username="admin", role="city_admin")
        token, _ = accounts.start_session(s, user=admin, kind="bearer")
        accounts.log_access(
            s, viewer=accounts.viewer_for(admin), subject_id="LOAD-00001", purpose="test", surface="api"
        )
        s.commit()
    c = TestClient(create_app(dataclasses.replace(Settings.from_env(), database_url=sqlite_url)))
    c.admin = {"Authorization": f"Bearer {token}"}
    return c


class _ErrorBody:
    """A second, hand-written reading of the ErrorBody schema the app publishes (checked against
    the published one below): {"detail": str | {zh, en, …} | [{loc, msg, type}, …]}."""

    def __init__(self, spec: dict) -> None:
        body = spec["components"]["schemas"]["ErrorBody"]
        kinds = [alt.get("type") for alt in body["properties"]["detail"]["anyOf"]]
        assert body["required"] == ["detail"] and kinds == ["string", "object", "array"]

    def validate(self, body: dict) -> None:
        assert set(body) == {"detail"}, body
        detail = body["detail"]
        if isinstance(detail, dict):
            assert isinstance(detail.get("zh"), str) and isinstance(detail.get("en"), str), detail
        elif isinstance(detail, list):
            assert detail and all({"loc", "msg", "type"} <= set(e) for e in detail), detail
        else:
            assert isinstance(detail, str) and detail, detail


def _error_validator(client) -> _ErrorBody:
    return _ErrorBody(client.get("/openapi.json").json())


HUGE_ROUTES = [
    ("/api/v1/subjects?offset=" + HUGE, False, "offset"),
    ("/api/v1/access-log?offset=" + HUGE, True, "offset"),
    ("/api/v1/quarantine?offset=" + HUGE, True, "offset"),
    ("/api/v1/quarantine?batch=" + HUGE, True, "batch"),
    ("/api/v1/ledger/proof/inclusion?leaf_index=" + HUGE, False, "leaf_index"),
    ("/api/v1/ledger/proof/inclusion?leaf_index=0&tree_size=" + str(2**64), False, "tree_size"),
    (f"/api/v1/ledger/proof/consistency?first=1&second={HUGE}", False, "second"),
    (f"/api/v1/ledger/proof/consistency?first={HUGE}&second=2", False, "first"),
    ("/api/v1/ledger/leaves/" + HUGE, False, "index"),
    ("/api/v1/ingest/batches/" + HUGE, True, "batch_id"),
    ("/api/v1/users/" + HUGE, True, "user_id"),
]


@pytest.mark.parametrize(("url", "as_admin", "field"), HUGE_ROUTES)
def test_huge_integers_are_a_422_naming_the_parameter(client, url, as_admin, field):
    r = client.get(url, headers=client.admin if as_admin else {})
    assert r.status_code == 422, (url, r.status_code, r.text[:300])
    body = r.json()
    _error_validator(client).validate(body)
    assert any(field in [str(p) for p in err["loc"]] for err in body["detail"])


def test_every_operation_documents_its_error_bodies(client):
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for status in ("401", "403", "404", "422", "429", "503"):
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (method, path, status)


def test_error_bodies_of_every_kind_match_the_schema(client):
    validator = _error_validator(client)
    samples = [
        client.get("/api/v1/subjects/NOPE/archive"),  # 404, {"detail": "中文 / English"}
        client.get("/api/v1/users"),  # 401
        client.get("/api/v1/subjects?offset=60"),  # 422 with {zh, en}
        client.get("/api/v1/subjects?limit=abc"),  # 422 validation list
    ]
    assert [r.status_code for r in samples] == [404, 401, 422, 422]
    for r in samples:
        validator.validate(r.json())


def test_access_log_times_carry_their_zone(client):
    rows = client.get("/api/v1/access-log", headers=client.admin).json()
    assert rows and all(row["at"].endswith("+00:00") or row["at"].endswith("Z") for row in rows)


def test_anonymous_callers_cannot_list_the_registry(client):
    page = client.get("/api/v1/subjects?limit=500").json()
    assert page["total"] == N_SUBJECTS and len(page["items"]) == 50 and page["limit"] == 50
    assert len(client.get("/api/v1/subjects?limit=30&offset=40").json()["items"]) == 10  # up to the 50th
    past = client.get("/api/v1/subjects?offset=50")
    assert past.status_code == 422 and past.json()["detail"]["field"] == "offset"
    rows = list(
        csv.reader(io.StringIO(client.get("/api/v1/subjects.csv?limit=100000").text.lstrip("\ufeff")))
    )
    assert len(rows) - 1 == 50  # header + the first 50 matches, not 80
    # a logged-in caller (whose reads are accountable) still gets everything it may see
    full = client.get("/api/v1/subjects.csv?limit=100000", headers=client.admin).text.lstrip("\ufeff")
    assert len(list(csv.reader(io.StringIO(full)))) - 1 == N_SUBJECTS
    assert len(client.get("/api/v1/subjects?limit=500", headers=client.admin).json()["items"]) == N_SUBJECTS


def test_public_search_is_rate_limited_per_client(client):
    answers = [client.get("/api/v1/public/search?q=天津") for _ in range(10)]
    codes = [r.status_code for r in answers]
    assert codes[:6] == [200] * 6 and set(codes[6:]) == {429}  # 60 a minute, bursts of 6
    limited = answers[-1]
    assert int(limited.headers["retry-after"]) >= 1 and "retry in" in limited.json()["detail"]["en"]
    assert client.get("/public?q=天津").status_code == 429  # the page shares the client's budget
    other = TestClient(client.app, client=("198.51.100.30", 1234))
    assert other.get("/api/v1/public/search?q=天津").status_code == 200
    assert client.get("/api/v1/public/search?q=天津", headers=client.admin).status_code == 200
