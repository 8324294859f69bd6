"""District tenancy across EVERY route of the app, enumerated when the tests are collected.

For each viewer (a 和平 district officer, the anonymous public, a department) and each route:

* routes with path parameters are called with every way of naming each target the viewer may not
  fully see (河西's person by id and ID number, 河西's non-public record ids, 河西's firm by id and
  USCC, …) and with a *ghost* of the same shape that names nothing. For a private target the answer
  must be exactly the ghost's (same status: "not found", never 403, no existence leak); for any
  target, no secret of another district may appear in the body (HTML, JSON, SVG or PDF text).
* state-changing routes are called the same way with a filled-in body (and a valid CSRF token):
  nothing may change in the store for a private target; 河西's subjects and records may not change
  for any target.
* routes without path parameters (lists, searches, exports) are called with each target in their
  id-like query parameters and must not return another district's secrets either.

New routes of any domain are picked up automatically; nothing here names a route except the
sanity check that the harness sees the routes it must.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import tempfile
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import params
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import select, text
from tenancy_world import AS_OF, HEPING, HEXI, body_text, build_district, ghost, secrets_of, targets_of

from xinyong.accounts import security, service
from xinyong.settings import Settings
from xinyong.store.db import make_engine, session_scope
from xinyong.store.migrate import upgrade
from xinyong.store.registry import load_all_models

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Rows that reading legitimately writes: the access log, sessions, key use, signed tree heads.
BOOKKEEPING_TABLES = {"access_log", "user_sessions", "api_keys", "ledger_heads", "alembic_version"}
TENANT_TABLES = ("subjects", "records")
VIEWERS = ("heping_officer", "public", "department")


# --------------------------------------------------------------------------- enumeration (collection time)


def _app(url: str, secret: str = "tenancy-secret"):  # noqa: ANN202 - FastAPI
    from xinyong.app import create_app

    return create_app(dataclasses.replace(Settings.from_env(), database_url=url, secret_key=secret))


def api_routes(app) -> list[APIRoute]:  # noqa: ANN001 - FastAPI
    return [
        ctx.original_route
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, APIRoute)
    ]


def _collect() -> list[tuple[str, str]]:
    url = f"sqlite:///{Path(tempfile.gettempdir()) / 'xinyong-tenancy-collect.db'}"
    return sorted({(m, r.path) for r in api_routes(_app(url)) for m in r.methods if m != "HEAD"})


ROUTES = _collect()


# --------------------------------------------------------------------------- the world


@dataclasses.dataclass
class World:
    app: Any
    engine: Any
    hp: Any
    hx: Any
    routes: dict[tuple[str, str], APIRoute]
    clients: dict[str, tuple[TestClient, dict[str, str]]]


def _session_for(engine, username: str, secret: str) -> tuple[dict[str, str], dict[str, str]]:  # noqa: ANN001
    with session_scope(engine) as s:
        user = service.get_user(s, username=username)
        token, row = service.start_session(s, user=user, kind="cookie", now=service.utcnow())
        csrf = security.csrf_token(secret, row.token_hash)
    return {"xy_session": token}, {"X-CSRF-Token": csrf}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    url = f"sqlite:///{tmp_path_factory.mktemp('tenancy') / 'xinyong.db'}"
    upgrade(url)
    engine = make_engine(url)
    hp, hp_rows = build_district(HEPING, "HP", 1, "诸葛孔明", "司马懿")
    hx, hx_rows = build_district(HEXI, "HX", 2, "欧阳修远", "上官婉儿")
    with session_scope(engine) as s:
        s.add_all([r for r in hp_rows + hx_rows if r.__tablename__ == "subjects"])
        s.flush()
        s.add_all([r for r in hp_rows + hx_rows if r.__tablename__ == "records"])
        s.flush()
        service.create_user(
            s, username="hp-officer", role="district_officer", district_code=HEPING, password="tenancy-pass-1"
        )
        service.create_user(
            s, username="fire-dept", role="department", kinds=["inspection"], password="tenancy-pass-1"
        )
    secret = "tenancy-secret"
    app = _app(url, secret)
    clients = {}
    for viewer, username in (("heping_officer", "hp-officer"), ("department", "fire-dept"), ("public", None)):
        client = TestClient(app, raise_server_exceptions=False)
        headers: dict[str, str] = {}
        if username:
            cookies, headers = _session_for(engine, username, secret)
            client.cookies.update(cookies)
        clients[viewer] = (client, headers)
    routes = {(m, r.path): r for r in api_routes(app) for m in r.methods}
    yield World(app, engine, hp, hx, routes, clients)
    engine.dispose()


def viewer_scope(world: World, viewer: str) -> tuple[set[str], list]:
    """(secrets the viewer must never receive, targets to probe)."""
    if viewer == "heping_officer":
        return secrets_of(world.hx), targets_of(world.hx)
    return secrets_of(world.hx) | secrets_of(world.hp), targets_of(world.hx) + targets_of(world.hp)


# --------------------------------------------------------------------------- filling requests


def _walk(dependant) -> Iterator[Any]:  # noqa: ANN001 - fastapi Dependant
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _fields(route: APIRoute, attr: str) -> list:
    seen, out = set(), []
    for dep in _walk(route.dependant):
        for f in getattr(dep, attr):
            if f.alias not in seen:
                seen.add(f.alias)
                out.append(f)
    return out


def _idish(name: str) -> bool:
    name = name.lower()
    return any(w in name for w in ("subject", "uscc", "record", "pilot", "code")) or name in (
        "id",
        "q",
        "query",
        "search",
    )


def _scalar(annotation: Any, name: str, value: str, district: str) -> Any:
    """A plausible value for a field: the probed value for id-like names, else by type."""
    if "district" in name.lower():
        return district
    if _idish(name):
        return value
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = (
        args[0]
        if args
        and typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None))
        else annotation
    )
    if base in (dt.date,):
        return AS_OF.isoformat()
    if base in (dt.datetime,):
        return f"{AS_OF.isoformat()}T00:00:00"
    if base is bool:
        return "true"
    if base in (int, float):
        return 1
    return "x"


def _from_schema(schema: dict, defs: dict, name: str, value: str, district: str) -> Any:
    if "$ref" in schema:
        return _from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, name, value, district)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _from_schema(options[0], defs, name, value, district) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        wanted = set(schema.get("required", [])) | {k for k in props if _idish(k) or "district" in k}
        return {k: _from_schema(props[k], defs, k, value, district) for k in props if k in wanted}
    if kind == "array":
        return []
    if kind == "integer" or kind == "number":
        return 1
    if kind == "boolean":
        return True
    if "district" in name.lower():
        return district
    if _idish(name):
        return value
    fmt = schema.get("format")
    if fmt == "date":
        return AS_OF.isoformat()
    if fmt == "date-time":
        return f"{AS_OF.isoformat()}T00:00:00"
    return "x"


def build_request(route: APIRoute, path: str, value: str, district: str) -> dict[str, Any]:
    """URL, query, and body (JSON, form or files) for one probe of `route` naming `value`."""
    url = path
    for f in _fields(route, "path_params"):
        url = url.replace("{" + f.alias + "}", value).replace("{" + f.alias + ":path}", value)
    query = {}
    for f in _fields(route, "query_params"):
        if f.field_info.is_required() or _idish(f.alias) or "district" in f.alias.lower():
            query[f.alias] = _scalar(f.field_info.annotation, f.alias, value, district)
    query.setdefault("purpose", "tenancy-probe")
    out: dict[str, Any] = {"url": url, "params": query}
    bodies = _fields(route, "body_params")
    forms = [f for f in bodies if isinstance(f.field_info, params.Form | params.File)]
    if forms:
        data, files = {}, {}
        for f in forms:
            if isinstance(f.field_info, params.File):
                files[f.alias] = (f"{f.alias}.txt", b"probe", "text/plain")
            elif f.field_info.is_required() or _idish(f.alias):
                data[f.alias] = str(_scalar(f.field_info.annotation, f.alias, value, district))
        out["data"], out["files"] = data, files or None
    elif bodies:
        json_body: dict[str, Any] = {}
        for f in bodies:
            ann = f.field_info.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                schema = ann.model_json_schema()
                filled = _from_schema(schema, schema.get("$defs", {}), f.alias, value, district)
            else:
                filled = _scalar(ann, f.alias, value, district)
            json_body[f.alias] = filled
        embed = len(bodies) > 1 or getattr(bodies[0].field_info, "embed", False)
        out["json"] = json_body if embed else json_body[bodies[0].alias]
    return out


def call(world: World, viewer: str, method: str, request: dict[str, Any]):  # noqa: ANN201 - Response
    client, csrf = world.clients[viewer]
    headers = dict(csrf) if method in UNSAFE else {}
    kwargs = {k: v for k, v in request.items() if k in ("params", "json", "data", "files") and v is not None}
    return client.request(method, request["url"], headers=headers, follow_redirects=False, **kwargs)


def snapshot(world: World, tables: tuple[str, ...] | None = None) -> dict[str, str]:
    metadata = load_all_models().metadata
    names = tables or tuple(t for t in metadata.tables if t not in BOOKKEEPING_TABLES)
    out = {}
    with world.engine.connect() as conn:
        for name in names:
            rows = conn.execute(select(text("*")).select_from(metadata.tables[name])).all()
            out[name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return out


# --------------------------------------------------------------------------- the probes


def _leaks(response, secrets: set[str], request: dict[str, Any]) -> list[str]:  # noqa: ANN001
    echoed = repr(request)  # a value the caller sent and the server echoes back is not a leak
    body = body_text(response.content, response.headers.get("content-type", ""))
    return sorted(s for s in secrets if s not in echoed and s in body)


def probe(world: World, viewer: str, method: str, path: str) -> list[str]:
    route = world.routes[(method, path)]
    secrets, targets = viewer_scope(world, viewer)
    has_path_ids = bool(_fields(route, "path_params"))
    if not has_path_ids and method in UNSAFE:
        return []  # creating things is not an id-taking route; covered by each domain's tests
    failures = []
    for target in targets:
        for value in target.values:
            district = HEXI if target.label.startswith("HX") else HEPING
            request = build_request(route, path, value, district)
            before = snapshot(world) if method in UNSAFE else None
            response = call(world, viewer, method, request)
            where = f"{method} {request['url']} [{target.label} via {value}]"
            if response.status_code >= 500:
                failures.append(f"{where}: server error {response.status_code}")
            leaked = _leaks(response, secrets, request)
            if leaked:
                failures.append(f"{where}: {response.status_code} leaks {leaked}")
            if before is not None:
                after = snapshot(world)
                watched = [t for t in after if target.private or t in TENANT_TABLES]
                changed = [t for t in watched if before[t] != after[t]]
                if changed:
                    failures.append(f"{where}: {response.status_code} changed {changed}")
            if has_path_ids and target.private:
                control = call(world, viewer, method, build_request(route, path, ghost(value), district))
                if response.status_code != control.status_code:
                    failures.append(
                        f"{where}: {response.status_code}, but {control.status_code} for a "
                        f"non-existent id — existence leak (must look like not found)"
                    )
            if not has_path_ids and not any(_idish(f.alias) for f in _fields(route, "query_params")):
                return failures  # nothing to vary: one call was enough
    return failures


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_no_cross_district_access(world, viewer, method, path):
    if (method, path) not in world.routes:
        pytest.fail(f"{method} {path} appeared at collection but not in the app under test")
    failures = probe(world, viewer, method, path)
    assert failures == [], "\n".join(failures)


def test_the_harness_sees_the_id_routes():
    """The enumeration itself works: it finds this domain's id routes and every domain's router."""
    paths = {p for _, p in ROUTES}
    assert {
        "/api/v1/users/{user_id}",
        "/api/v1/api-keys/{key_id}",
        "/console/users/{user_id}/password",
    } <= paths
    assert sum("{" in p for p in paths) >= 6


def test_ghosts_keep_the_shape_and_name_nothing(world):
    for target in targets_of(world.hx) + targets_of(world.hp):
        for value in target.values:
            g = ghost(value)
            assert g != value and len(g) == len(value)


def test_the_harness_catches_a_broken_policy(world, monkeypatch):
    """Mutation check: with the policy's filters made permissive wherever a domain imported them,
    the probes of the routes that take a subject id must report leaks. A harness that cannot fail
    proves nothing."""
    import sys

    from sqlalchemy import true

    from xinyong.disclosure import policy

    swaps = {
        id(policy.subject_filter): lambda viewer: true(),
        id(policy.record_filter): lambda viewer, as_of: true(),
        id(policy.subject_visible): lambda viewer, subject: True,
        id(policy.record_visible): lambda viewer, record, subject, as_of: True,
    }
    for module in [
        m for m in list(sys.modules.values()) if m is not None and m.__name__.startswith("xinyong.")
    ]:
        for name, value in list(vars(module).items()):
            if id(value) in swaps:
                monkeypatch.setattr(module, name, swaps[id(value)])
    subject_routes = [(m, p) for m, p in ROUTES if m == "GET" and "{subject_id}" in p]
    if not subject_routes:
        pytest.skip("no route takes a subject id yet")
    failures = [f for m, p in subject_routes for f in probe(world, "heping_officer", m, p)]
    assert any("leaks" in f for f in failures) and any("existence leak" in f for f in failures), failures
