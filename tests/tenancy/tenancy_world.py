"""The world and the probes of the tenancy harness (tests/tenancy/test_every_route.py).

Two districts: 和平 (120101) and 河西 (120103). Each has an enterprise with records at every
disclosure level (one public record whose publicity has ended) and a natural person, plus the
record lifecycle (docs/status.md): a public record that was repaired (hidden outside its own scope),
one under objection (visible to all, and every surface that shows it must mark it 异议中 / objection)
and one dated in the future (hidden from everyone, its own district and the city included). Every piece of
data a viewer must not see carries a *secret* string — canary text in record fields, full personal
names and ID numbers, private subject and record ids — and the harness searches every response
body (HTML, JSON, SVG, PDF text) for them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import string
import tempfile
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import params
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import select, text

from xinyong.records.models import Record
from xinyong.settings import Settings
from xinyong.store.registry import load_all_models
from xinyong.subjects.identifiers import make_citizen_id, make_uscc
from xinyong.subjects.models import Subject

AS_OF = dt.date(2025, 6, 30)
FUTURE = dt.date(2099, 1, 1)  # after AS_OF and after any "today" a route defaults to
# Status events planted through xinyong.status.service.change_status: (record label, event, effective on).
LIFECYCLE = (
    ("firm_repaired", "repaired", dt.date(2025, 2, 1)),
    ("firm_objection", "objection_opened", dt.date(2025, 2, 1)),
)
OBJECTION_MARKS = ("异议中", "objection")
T0 = dt.datetime(2025, 1, 15, 9, 0)
HEPING, HEXI = "120101", "120103"


@dataclass
class Target:
    """Something a probe can name in a URL. `private`: the viewer may not know it exists."""

    label: str
    values: list[str]  # every way of naming it (id, USCC, ID number)
    private: bool


@dataclass
class District:
    code: str
    tag: str  # HP / HX
    firm_id: str = ""
    person_id: str = ""
    uscc: str = ""
    citizen_id: str = ""
    person_name: str = ""
    legal_rep: str = ""
    pilot: str = ""
    record_ids: dict[str, str] = field(default_factory=dict)  # label → record id
    canaries: dict[str, str] = field(default_factory=dict)  # label → canary text in that record
    objection_text: str = ""  # text of the record under objection (public: not a secret)


def _rid(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_district(
    code: str, tag: str, serial: int, person_name: str, legal_rep: str
) -> tuple[District, list]:
    d = District(
        code=code, tag=tag, person_name=person_name, legal_rep=legal_rep, pilot=f"pilot_{tag.lower()}"
    )
    d.firm_id, d.person_id = f"S-{tag}-FIRM", f"S-{tag}-PERSON"
    d.uscc = make_uscc(f"91{code}MA05TN{serial:03d}")
    d.citizen_id = make_citizen_id(f"{code}19800101{serial:03d}")
    rows: list = [
        Subject(
            id=d.firm_id,
            kind="enterprise",
            name=f"{tag}示范商贸有限公司",
            uscc=d.uscc,
            district_code=code,
            division_code=code,
            legal_rep=legal_rep,
            industry="零售",
            pilot=d.pilot,
            attributes={},
            source="t",
            first_seen=T0,
            last_seen=T0,
        ),
        Subject(
            id=d.person_id,
            kind="person",
            name=person_name,
            id_number=d.citizen_id,
            district_code=code,
            division_code=code,
            address=f"{tag}区隐私小区1号",
            attributes={},
            source="t",
            first_seen=T0,
            last_seen=T0,
        ),
    ]
    specs = [  # label, subject, disclosure, publicity_until, kind, private?
        ("firm_public", d.firm_id, "public", None, "penalty", False),
        ("firm_objection", d.firm_id, "public", None, "penalty", False),  # under objection: shown, marked
        ("firm_repaired", d.firm_id, "public", None, "penalty", True),  # repaired: out of public view
        ("firm_future", d.firm_id, "public", None, "penalty", True),  # occurs after every as-of date
        ("firm_expired", d.firm_id, "public", dt.date(2020, 1, 1), "penalty", True),
        ("firm_authorised", d.firm_id, "authorised", None, "complaint", True),
        ("firm_government", d.firm_id, "government", None, "contract_performance", True),
        ("person_public", d.person_id, "public", None, "penalty", True),  # the person is private itself
    ]
    for label, sid, level, until, kind, private in specs:
        canary = f"CANARY{tag}{label.upper()}{serial}"
        rid = _rid(f"{tag}-{label}")
        d.record_ids[label] = rid
        if private:
            d.canaries[label] = canary
        if label == "firm_objection":
            d.objection_text = canary
        rows.append(
            Record(
                id=rid,
                kind=kind,
                subject_id=sid,
                source="tenancy",
                source_record_id=f"{tag}-{label}",
                occurred_on=FUTURE if label == "firm_future" else dt.date(2025, 1, 10),
                publicity_until=until,
                polarity="negative",
                disclosure=level,
                severity="general",
                fields={"violation_facts": f"事实 {canary}", "decision_no": f"{tag}-{label}"},
                original={"违法事实": f"事实 {canary}"},
                first_seen=T0,
                last_seen=T0,
            )
        )
    return d, rows


# A 和平 shop whose name and record text are HTML and spreadsheet formulas: they must come back as text.
HOSTILE_ID = "S-HP-HOSTILE"
HOSTILE_HTML = '<img src=x onerror="alert(1)">'
HOSTILE_SCRIPT = "<script>alert('xinyong')</script>"
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example","点我")'


def hostile_rows() -> list:
    return [
        Subject(
            id=HOSTILE_ID,
            kind="individual_business",
            name=f"{HOSTILE_HTML}小店",
            district_code=HEPING,
            uscc=make_uscc("92120101MA05TN777"),
            legal_rep=None,
            industry=HOSTILE_FORMULA,
            attributes={},
            source="t",
            first_seen=T0,
            last_seen=T0,
        ),
        Record(
            id=_rid("hostile"),
            kind="penalty",
            subject_id=HOSTILE_ID,
            source="tenancy",
            source_record_id="hostile-1",
            occurred_on=dt.date(2025, 1, 10),
            publicity_until=None,
            polarity="negative",
            disclosure="public",
            severity="general",
            fields={"violation_facts": HOSTILE_SCRIPT, "remarks": HOSTILE_FORMULA},
            original={"违法事实": HOSTILE_SCRIPT, "备注": HOSTILE_FORMULA},
            first_seen=T0,
            last_seen=T0,
        ),
    ]


def secrets_of(
    d: District, hidden: set[str] | None = None, *, person: bool = True, legal_rep: bool = True
) -> set[str]:
    """What of district `d` a viewer must never receive: the canaries and ids of the `hidden`
    records (default: every non-public one), and — unless the viewer may see them — the person's
    existence and identity and the firm's legal representative."""
    hidden = set(d.canaries) if hidden is None else hidden
    out = {c for label, c in d.canaries.items() if label in hidden}
    out |= {rid for label, rid in d.record_ids.items() if label in hidden}
    if person:
        out |= {d.person_id, d.person_name, d.citizen_id}
    if legal_rep:
        out.add(d.legal_rep)
    return out


def targets_of(d: District, hidden: set[str] | None = None, *, person: bool = True) -> list[Target]:
    """Ways of naming what the viewer may not know (private) or may only partly see (the firm)."""
    hidden = set(d.canaries) if hidden is None else hidden
    out = [
        Target(f"{d.tag} firm", [d.firm_id, d.uscc], private=False),
        Target(f"{d.tag} person", [d.person_id, d.citizen_id], private=person),
    ]
    out += [
        Target(f"{d.tag} record {label}", [d.record_ids[label]], private=True) for label in sorted(hidden)
    ]
    out.append(Target(f"{d.tag} pilot", [d.pilot], private=False))
    return out


# --------------------------------------------------------------------------- ghosts and probes


def ghost(value: str) -> str:
    """A value of the same shape that names nothing: same length and character classes, and a
    valid check character where the original is a USCC or a citizen ID (so validation treats both
    alike and only existence differs)."""
    from xinyong.subjects.identifiers import check_citizen_id, check_uscc

    def shift(c: str) -> str:
        for alphabet in (string.digits, "ABCDEFGHJKLMNPQRTUWXY", string.ascii_lowercase):
            if c in alphabet:
                return alphabet[(alphabet.index(c) + 3) % len(alphabet)]
        return c

    if len(value) == 18 and check_citizen_id(value).valid:
        return make_citizen_id(value[:6] + "19790202" + value[14:17])
    if len(value) == 18 and check_uscc(value).valid:
        return make_uscc(value[:8] + "".join(shift(c) for c in value[8:17]))
    head, tail = value[:2], value[2:]  # keep prefixes such as "S-" so routing treats both alike
    return head + "".join(shift(c) for c in tail)


def body_text(content: bytes, content_type: str) -> str:
    """What a response discloses, as text: PDFs through pdfminer, XLSX cell by cell (a formula cell
    is spelled out with its `=`), JSON re-serialised unescaped."""
    if content_type.startswith("application/pdf") or content[:5] == b"%PDF-":
        from pdfminer.high_level import extract_text

        return extract_text(io.BytesIO(content)) + content.decode("latin-1")
    if "spreadsheetml" in content_type or content[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content))
        return "\n".join(
            str(cell.value)
            for sheet in book
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        )
    text = content.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


# --------------------------------------------------------------------------- the harness

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Rows that reading legitimately writes: the access log, sessions, key use, signed tree heads, and
# the register of issued credit reports (a PDF download registers its number).
BOOKKEEPING_TABLES = {"access_log", "user_sessions", "api_keys", "ledger_heads", "reports", "alembic_version"}
TENANT_TABLES = ("subjects", "records")
VIEWERS = ("heping_officer", "public", "department", "bank", "merchant")


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


# Records a bank may not see (docs/disclosure.md): government-shared, expired, repaired, future-dated,
# and a person's.
BANK_HIDDEN = {"firm_expired", "firm_government", "person_public", "firm_repaired", "firm_future"}
# What no viewer sees, its own scope included: a record that has not happened yet.
NOBODY_SEES = {"firm_future"}


def _own_unseen(d: District, hidden: set[str]) -> tuple[set[str], list[Target]]:
    """Secrets and targets of the viewer's own district/subject that it still may not see."""
    return (
        secrets_of(d, hidden, person=False, legal_rep=False),
        [Target(f"{d.tag} record {label}", [d.record_ids[label]], private=True) for label in sorted(hidden)],
    )


def viewer_scope(world: World, viewer: str) -> tuple[set[str], list]:
    """(secrets the viewer must never receive, targets to probe), per docs/disclosure.md."""
    hp, hx = world.hp, world.hx
    if viewer == "heping_officer":  # all of 和平 that has happened; 河西 like the public
        own_secrets, own_targets = _own_unseen(hp, NOBODY_SEES)
        return secrets_of(hx) | own_secrets, targets_of(hx) + own_targets
    if viewer == "bank":  # authorised records everywhere, personal data nowhere
        return (
            secrets_of(hx, BANK_HIDDEN) | secrets_of(hp, BANK_HIDDEN),
            targets_of(hx, BANK_HIDDEN) + targets_of(hp, BANK_HIDDEN),
        )
    if viewer == "merchant":  # the 和平 firm's own account: its own archive, nothing of its neighbours
        own_hidden = {"person_public", *NOBODY_SEES}
        return (
            secrets_of(hx) | secrets_of(hp, own_hidden, legal_rep=False),
            targets_of(hx) + targets_of(hp, own_hidden),
        )
    return secrets_of(hx) | secrets_of(hp), targets_of(hx) + targets_of(hp)


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
    if name in ("month", "period"):  # a well-formed month / half year, so the probe reaches the id check
        return AS_OF.strftime("%Y-%m") if name == "month" else f"{AS_OF.year}-H1"
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


def clear_xinyong_caches() -> None:
    """Empty every functools cache in xinyong's modules. Mutation tests call it before and after
    patching: a cache filled while the policy was broken (a compiled statement, say) would
    otherwise carry the broken policy into later tests."""
    import sys

    for module in [
        m for m in list(sys.modules.values()) if m is not None and m.__name__.startswith("xinyong.")
    ]:
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
