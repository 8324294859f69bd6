"""Issue 9 item 2: API fuzzing — schemathesis against our own OpenAPI schema, as every viewer.

Schemathesis is used as a library (its pytest plugin's `parametrize` does not work with pytest 9.2):
for every operation in `/openapi.json` and every viewer of the tenancy world (anonymous, a district
officer, a department, the city administrator, a bank, a merchant), Hypothesis generates requests from
the schema and each answer must pass schemathesis's checks:

- `not_a_server_error`: no 5xx;
- `status_code_conformance`: the status is one the schema documents;
- `content_type_conformance`: the content type is the documented one;
- `response_schema_conformance`: the body matches the documented schema (error bodies included).

The budget is bounded (EXAMPLES per operation and viewer) so the whole sweep stays within a minute or
two on two cores; deterministic (derandomised) so a CI failure reproduces locally. Every finding so far
became a fix plus the case in `test_findings_stay_fixed` below.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import load_all_checks
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

load_all_checks()
from schemathesis.checks import not_a_server_error  # noqa: E402 - registered by load_all_checks

EXAMPLES = 6
VIEWERS = ("public", "heping_officer", "department", "city_admin", "bank", "merchant")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def schema(world):  # noqa: ANN001, ANN201 - schemathesis' schema object
    return schemathesis.openapi.from_asgi("/openapi.json", world.app)


def _operations(schema) -> list:  # noqa: ANN001
    ops = [result.ok() for result in schema.get_all_operations()]
    assert ops, "the OpenAPI schema lists no operation"
    return ops


def _fuzz(world, schema, viewer: str) -> list[str]:  # noqa: ANN001
    client, csrf = world.clients[viewer]
    cookies = dict(client.cookies)
    failures: list[str] = []
    visited = 0
    for operation in _operations(schema):
        visited += 1

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:  # noqa: ANN001
            response = case.call(headers=csrf, cookies=cookies)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's finding, then fail once
            failures.append(f"{viewer} {operation.label}: {type(exc).__name__}: {str(exc)[:600]}")
    assert visited == len(_operations(schema))
    return failures


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_5xx_and_no_schema_violation_for_any_operation(world, schema, viewer):
    failures = _fuzz(world, schema, viewer)
    assert not failures, "\n\n".join(failures)


def test_the_sweep_covers_every_api_route(world, schema):
    """The fuzzed operations are exactly the app's /api routes (a route missing from the schema would
    escape the fuzzing)."""
    documented = {(op.method.upper(), op.path) for op in _operations(schema)}
    api = {(m, path) for (m, path) in world.routes if path.startswith("/api/") and m != "HEAD"}
    assert api <= documented, sorted(api - documented)


def test_findings_stay_fixed(world):
    """Schemathesis findings, each kept as a plain regression test.

    1. `UserOut.created_at` (and every other moment in an answer) had no offset, which OpenAPI's
       `date-time` forbids: answers now say `Z` (UTC).
    2. An API key's `expires_at` sent with an offset reached the store as an aware datetime; it is
       converted to UTC (08:00 in Beijing is 00:00 UTC) and the key works until then.
    """
    client, csrf = world.clients["city_admin"]
    users = client.get("/api/v1/users", headers=csrf)
    assert users.status_code == 200
    moments = [u["created_at"] for u in users.json()] + [u["last_login_at"] for u in users.json()]
    offsets = [dt.datetime.fromisoformat(m).utcoffset() for m in moments if m is not None]
    assert offsets and all(o == dt.timedelta(0) for o in offsets), moments
    me = next(u for u in users.json() if u["username"] == "bank-1")
    made = client.post(
        f"/api/v1/users/{me['id']}/api-keys",
        json={"name": "with offset", "expires_at": "2099-01-02T08:00:00+08:00"},
        headers=csrf,
    )
    assert made.status_code == 201, made.text
    assert dt.datetime.fromisoformat(made.json()["expires_at"]) == dt.datetime(2099, 1, 2, tzinfo=dt.UTC)
    key = made.json()["key"]
    assert (
        world.clients["public"][0]
        .get("/api/v1/auth/me", headers={"Authorization": f"Bearer {key}"})
        .status_code
        == 200
    )


def test_period_parameters_outside_the_calendar_are_422(world):
    """Schemathesis finding: `period=0000-H1` on 红桥's ranking reached `date(0, …)` and answered 500. A
    period or month outside 1900–2099 (or month 13) is a 422 naming the parameter."""
    client, _ = world.clients["public"]
    for path, name, value in (
        ("/api/v1/points/hongqiao/ranking", "period", "0000-H1"),
        ("/api/v1/points/villages/any/ranking", "month", "2026-13"),
        ("/api/v1/points/villages/any/ranking", "month", "0000-01"),
    ):
        response = client.get(path, params={name: value})
        assert response.status_code == 422, (path, value, response.text[:200])
        assert name in response.text
