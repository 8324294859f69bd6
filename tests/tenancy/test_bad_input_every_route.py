"""Malformed input on EVERY route that takes a date or a number (enumerated from the app when the tests
are collected): each such field of each route — path, query, form and JSON body (one level into a body
model) — is sent a value that is not a date / not a number, with everything else filled in as the
tenancy probes fill it. The answer must be a 4xx other than 401/403 (the first login that passes the
route's guard is used), it must name the field, say what is wrong in Chinese and in English — JSON for
/api/, the HTML error page for a console page or form post — and nothing may change in the store.

A field is "a date" by its type (date, datetime) or, for the few routes that still take a string and
parse it themselves, by its name (`as_of`, `*_on`, `*_date`, `since`, `until`, `deadline`); a text field
a route reads as a number itself (`quantity`, `amount_fen`, `amount_yuan`, `rate_bp`, `term_months`,
`max_per_inspector`) is sent "²" as every login, and must never answer 5xx nor change anything. New routes
of any domain are picked up automatically; nothing here names a route.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from fastapi import params
from pydantic import BaseModel
from tenancy_world import HEPING, _app, _fields, _walk, build_request, snapshot

from xinyong.accounts import service
from xinyong.apitypes import MAX_INT
from xinyong.medical.api import sign
from xinyong.store.db import session_scope

BAD = {"date": "2026-13-45", "datetime": "2026-13-45T08:00:00", "number": "abc", "typed_number": "²"}
# Text fields a route reads as a whole number or an amount itself (xinyong.numbers / books.parse_yuan), by
# name. They get "²": a digit to str.isdigit() but not to int(), which once reached int() and answered 500.
TYPED_NUMBER_NAMES = re.compile(r"^(quantity|amount_fen|amount_yuan|rate_bp|term_months|max_per_inspector)$")
# Logins tried in turn; the first the route's guard lets through answers the probe.
LOGINS = ("city_admin", "heping_officer", "department", "bank", "merchant", "public")
CJK = re.compile(r"[\u4e00-\u9fff]")
DATE_NAMES = re.compile(r"^(as_of|since|until|deadline|.+_on|.+_date)$")


@dataclasses.dataclass(frozen=True)
class Case:
    method: str
    path: str
    where: str  # path, query, form, json
    name: str  # the parameter (or body model field) name
    kind: str  # date, datetime, number

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} {self.where}:{self.name}"


def _kind(annotation: Any, name: str) -> str | None:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    base = args[0] if union and len(args) == 1 else annotation
    if base is dt.datetime:
        return "datetime"
    if base is dt.date:
        return "date"
    if base in (int, float):
        return "number"
    if base is str and DATE_NAMES.match(name):
        return "date"
    if (base is str or str in args) and TYPED_NUMBER_NAMES.match(name):
        return "typed_number"
    return None


def _cases_of(method: str, route) -> list[Case]:  # noqa: ANN001 - APIRoute
    out = []
    for where, attr in (("path", "path_params"), ("query", "query_params")):
        for f in _fields(route, attr):
            kind = _kind(f.field_info.annotation, f.alias)
            if kind:
                out.append(Case(method, route.path, where, f.alias, kind))
    for f in _fields(route, "body_params"):
        ann = f.field_info.annotation
        if isinstance(f.field_info, params.File):
            continue
        if isinstance(f.field_info, params.Form):
            kind = _kind(ann, f.alias)
            if kind:
                out.append(Case(method, route.path, "form", f.alias, kind))
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            for name, mf in ann.model_fields.items():
                kind = _kind(mf.annotation, mf.alias or name)
                if kind:
                    out.append(Case(method, route.path, "json", mf.alias or name, kind))
        else:
            kind = _kind(ann, f.alias)
            if kind:
                out.append(Case(method, route.path, "json", f.alias, kind))
    return out


def _collect() -> list[Case]:
    from tenancy_world import api_routes

    url = f"sqlite:///{Path(tempfile.gettempdir()) / 'xinyong-bad-input-collect.db'}"
    return sorted(
        {c for r in api_routes(_app(url)) for m in r.methods if m != "HEAD" for c in _cases_of(m, r)},
        key=lambda c: c.id,
    )


CASES = _collect()


def _bad_request(world, case: Case) -> dict[str, Any]:  # noqa: ANN001
    route = world.routes[(case.method, case.path)]
    request = build_request(route, case.path, world.hp.firm_id, HEPING)
    bad = BAD[case.kind]
    if case.where == "path":
        request["url"] = case.path.replace("{" + case.name + "}", bad)
        for f in _fields(route, "path_params"):  # the other path parameters: a plausible id
            request["url"] = request["url"].replace("{" + f.alias + "}", "1")
    elif case.where == "query":
        request["params"] = {**request["params"], case.name: bad}
    elif case.where == "form":
        request["data"] = {**(request.get("data") or {}), case.name: bad}
    else:
        body = request.get("json")
        bodies = _fields(route, "body_params")
        if (
            isinstance(body, dict)
            and any(f.alias == case.name for f in bodies)
            or isinstance(body, dict)
            and len(bodies) == 1
        ):
            body = {**body, case.name: bad}
        else:  # embedded model bodies: the field inside each
            body = {k: ({**v, case.name: bad} if isinstance(v, dict) else v) for k, v in body.items()}
        request["json"] = body
    return request


def _signed(world, case: Case) -> bool:  # noqa: ANN001
    """Routes that take a request signed with the caller's API key (medical.api.verify_signature)."""
    route = world.routes[(case.method, case.path)]
    return any(getattr(d.call, "__name__", "") == "verify_signature" for d in _walk(route.dependant))


_KEYS: dict[str, str] = {}
USERNAMES = {"city_admin": "city-admin", "heping_officer": "hp-officer", "department": "fire-dept"}
USERNAMES |= {"bank": "bank-1", "merchant": "hp-merchant"}


def _api_key(world, login: str) -> str:  # noqa: ANN001
    if login not in _KEYS:
        with session_scope(world.engine) as s:
            user = service.get_user(s, username=USERNAMES[login])
            _KEYS[login], _ = service.issue_api_key(s, user=user, name="bad-input sweep")
    return _KEYS[login]


def _messages(response) -> list[str]:  # noqa: ANN001
    """Every error message of the answer, one string each (JSON items / HTML list lines)."""
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/json"):
        detail = response.json().get("detail")
        items = detail if isinstance(detail, list) else [detail]
        out = []
        for item in items:
            if isinstance(item, dict):
                out.append(f"{item.get('field', '')} | {item.get('zh', '')} | {item.get('en', '')}")
            else:
                out.append(str(item))
        return out
    return re.findall(r"<li>(.*?)</li>", response.text, re.S)


def _names_field(message: str, name: str) -> bool:
    """The message names the field and has a Chinese and an English part that both name it."""
    zh_named = re.search(rf"{re.escape(name)}：[^|/]*{CJK.pattern}", message)
    en_named = re.search(rf"{re.escape(name)}: [^|]*[A-Za-z]{{3,}} [A-Za-z]{{2,}}", message)
    return bool(zh_named and en_named)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_a_bilingual_4xx_naming_the_field_and_changes_nothing(world, case):
    request = _bad_request(world, case)
    html = not case.path.startswith("/api/")
    tried = []
    for login in LOGINS:
        before = snapshot(world)
        client, csrf = world.clients[login]
        headers = {**(csrf if case.method in ("POST", "PUT", "PATCH", "DELETE") else {})}
        if html and not request.get("data"):  # a console form post gets the page even without Accept
            headers["Accept"] = "text/html"
        kwargs = {
            k: v for k, v in request.items() if k in ("params", "json", "data", "files") and v is not None
        }
        if _signed(world, case) and login != "public":  # a signed-request route: the login's own API key
            body = json.dumps(kwargs.pop("json")).encode()
            kwargs["content"] = body
            headers |= {**sign(_api_key(world, login), body), "Content-Type": "application/json"}
        response = client.request(
            case.method, request["url"], headers=headers, follow_redirects=False, **kwargs
        )
        after = snapshot(world)
        changed = [t for t in after if before[t] != after[t]]
        assert changed == [], f"{case.id} as {login}: {response.status_code} changed {changed}"
        tried.append(f"{login}: {response.status_code}")
        if case.kind == "typed_number":  # every login, whatever its guard or data: never a 5xx
            assert response.status_code < 500, f"{case.id} as {login}: {response.status_code}"
            continue
        if response.status_code not in (401, 403):
            break
    else:
        if case.kind == "typed_number":
            return  # the wording of these refusals is each route's own tests' (e.g. test_points_pages)
        pytest.fail(f"{case.id}: no login passes the route's guard ({tried})")
    where = f"{case.id} as {login} ({request['url']})"
    assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if html:
        assert response.headers["content-type"].startswith("text/html"), f"{where}: not the HTML error page"
    messages = _messages(response)
    assert any(_names_field(m, case.name) for m in messages), (
        f"{where}: {response.status_code}, no Chinese + English message naming {case.name!r}: {messages}"
    )


def test_the_sweep_sees_the_routes_it_must():
    """The enumeration works: it finds dates and numbers in paths, queries, forms and JSON bodies."""
    seen = {(c.where, c.kind) for c in CASES}
    assert {
        ("path", "number"),
        ("query", "date"),
        ("query", "number"),
        ("form", "date"),
        ("form", "number"),
    } <= seen
    assert ("json", "date") in seen
    assert any(c.path == "/my/score/grants" and c.name == "days" for c in CASES)
    typed = {(c.path, c.name) for c in CASES if c.kind == "typed_number"}
    assert {
        ("/points/counter/redeem", "quantity"),
        ("/my/financing", "term_months"),
        ("/bank/outcomes", "rate_bp"),
    } <= typed
    assert any(c.path == "/draws/plans/{plan_id}/commit" and c.name == "as_of" for c in CASES)
    assert any(c.path == "/commitments/paper" and c.name == "signed_on" for c in CASES)


def test_the_check_can_fail(world):
    """A 422 that names the field in English only, or not at all, does not pass the check."""
    assert not _names_field("as_of: malformed date 'x', expected YYYY-MM-DD", "as_of")
    assert not _names_field("日期格式错误 / malformed date", "as_of")
    assert _names_field("as_of：日期格式错误“x” | as_of: malformed date 'x'", "as_of")
    assert MAX_INT == 2_147_483_647
