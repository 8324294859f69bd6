"""Cross-cutting rules on EVERY route (enumerated at collection), whichever domain added it:

* 查询留痕: a response that carries non-public data of a subject (canaries of its non-public records,
  unmasked personal data) must have written an access-log row for that subject;
* unknown ids answer 404 with a message that says so (Chinese or English);
* a malformed date in a date parameter answers 422 naming the parameter;
* HTML in names and record text comes back as text (escaped) on HTML pages, and spreadsheet
  formulas never start a cell of a CSV export.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select
from tenancy_world import (
    HEPING,
    HOSTILE_FORMULA,
    HOSTILE_HTML,
    HOSTILE_ID,
    HOSTILE_SCRIPT,
    ROUTES,
    _fields,
    body_text,
    build_request,
    call,
    clear_xinyong_caches,
    ghost,
    secrets_of,
)

from xinyong.accounts.models import AccessLog

GET_ROUTES = [(m, p) for m, p in ROUTES if m == "GET"]
ID_ROUTES = [(m, p) for m, p in GET_ROUTES if "{" in p]
DATE_NAMES = re.compile(r"(^as_of$|^since$|^until$|date|_on$|^from$|^to$)")
NOT_FOUND = re.compile(r"not found|not in|\bno \w|unknown|不存在|未找到|没有|不在|未知", re.IGNORECASE)


def _ids(pairs):  # noqa: ANN001, ANN202
    return [f"{m} {p}" for m, p in pairs]


def _log_count(world, subject_ids: list[str]) -> int:  # noqa: ANN001
    with world.engine.connect() as conn:
        return conn.scalar(
            select(func.count()).select_from(AccessLog).where(AccessLog.subject_id.in_(subject_ids))
        )


def unlogged_reads(world, method: str, path: str) -> tuple[int, list[str]]:  # noqa: ANN001
    """(how many responses carried non-public data, which of them wrote no access-log row)."""
    route = world.routes[(method, path)]
    hp = world.hp
    secrets = secrets_of(hp)
    shown_count, failures = 0, []
    for value in (hp.firm_id, hp.uscc, hp.person_id, hp.citizen_id):
        request = build_request(route, path, value, HEPING)
        before = _log_count(world, [hp.firm_id, hp.person_id])
        response = call(world, "heping_officer", method, request)
        body = body_text(response.content, response.headers.get("content-type", ""))
        shown = sorted(s for s in secrets if s in body and s not in repr(request))
        if response.status_code == 200 and shown:
            shown_count += 1
            if _log_count(world, [hp.firm_id, hp.person_id]) <= before:
                failures.append(
                    f"{method} {request['url']} showed non-public data {shown[:3]} without an access-log row"
                )
    return shown_count, failures


@pytest.mark.parametrize(("method", "path"), ID_ROUTES, ids=_ids(ID_ROUTES))
def test_non_public_reads_are_logged(world, method, path):
    _shown, failures = unlogged_reads(world, method, path)
    assert failures == [], "\n".join(failures)


def test_the_access_log_probe_can_fail(world, monkeypatch):
    """Mutation check: with log_access made a no-op wherever a domain imported it, the probe
    reports the routes that show a full archive."""
    import sys

    from xinyong.accounts import deps

    original = deps.log_access
    clear_xinyong_caches()
    for module in [
        m for m in list(sys.modules.values()) if m is not None and m.__name__.startswith("xinyong.")
    ]:
        for name, value in list(vars(module).items()):
            if value is original:
                monkeypatch.setattr(module, name, lambda *args, **kwargs: None)
    try:
        results = [unlogged_reads(world, m, p) for m, p in ID_ROUTES]
    finally:
        monkeypatch.undo()
        clear_xinyong_caches()
    if not any(shown for shown, _ in results):
        pytest.skip("no route shows a full archive yet")
    assert any(failures for _, failures in results)


@pytest.mark.parametrize("world", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)
@pytest.mark.parametrize(("method", "path"), ID_ROUTES, ids=_ids(ID_ROUTES))
def test_unknown_ids_are_404_with_a_message(world, method, path):
    route = world.routes[(method, path)]
    request = build_request(route, path, ghost(world.hp.firm_id), HEPING)
    url = request["url"]
    for f in _fields(route, "path_params"):  # numeric ids get a number that names nothing
        if f.field_info.annotation is int:
            url = url.replace(ghost(world.hp.firm_id), "987654321")
    request["url"] = url
    response = _as_admitted_viewer(world, method, request)
    assert response.status_code == 404, f"{method} {url}: {response.status_code} {response.text[:200]}"
    assert NOT_FOUND.search(response.text), (
        f"{method} {url}: 404 without a clear message: {response.text[:200]}"
    )


def _as_admitted_viewer(world, method: str, request: dict):  # noqa: ANN202 - Response
    """The answer of the first viewer the route's role guard admits: the city admin, else a bank (the
    bank workbench), else the merchant (a subject's own pages). A route that admits none of them stays a
    403 and fails the caller's assertion."""
    for viewer in ("city_admin", "bank", "merchant"):
        response = call(world, viewer, method, request)
        if response.status_code != 403:
            return response
    return response


@pytest.mark.parametrize(("method", "path"), GET_ROUTES, ids=_ids(GET_ROUTES))
def test_malformed_dates_are_422_naming_the_field(world, method, path):
    route = world.routes[(method, path)]
    names = [f.alias for f in _fields(route, "query_params") if DATE_NAMES.search(f.alias)]
    if not names:
        return
    for name in names:
        request = build_request(route, path, world.hp.firm_id, HEPING)
        request["params"][name] = "2025-02-30"
        response = _as_admitted_viewer(world, method, request)
        assert response.status_code == 422, f"{method} {path}?{name}=2025-02-30: {response.status_code}"
        assert name in response.text, (
            f"{method} {path}: the 422 does not name `{name}`: {response.text[:200]}"
        )


@pytest.mark.parametrize("viewer", ["city_admin", "public"])
@pytest.mark.parametrize(("method", "path"), GET_ROUTES, ids=_ids(GET_ROUTES))
def test_html_and_formulas_come_back_as_text(world, viewer, method, path):
    route = world.routes[(method, path)]
    request = build_request(route, path, HOSTILE_ID, HEPING)
    for f in _fields(route, "query_params"):
        if f.alias in ("q", "query", "search", "name"):
            request["params"][f.alias] = "小店"
    response = call(world, viewer, method, request)
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("text/html"):
        for raw in (HOSTILE_HTML, HOSTILE_SCRIPT):
            assert raw not in response.text, f"{method} {request['url']} renders {raw!r} as markup"
    if content_type.startswith("text/csv"):
        cells = [c for row in csv.reader(io.StringIO(response.text)) for c in row]
        assert not any(c.startswith(("=", "+", "-", "@")) and HOSTILE_FORMULA[1:] in c for c in cells), (
            f"{method} {request['url']} exports a live spreadsheet formula"
        )
