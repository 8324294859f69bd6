"""The columnar ingest pipeline: normalise, validate and hash whole columns at once.

Arrow compute does text normalisation (NFKC, control characters, trimming, code clean-up) and builds
the canonical JSON; NumPy checks USCC check characters for all rows at once; DuckDB hashes. Typed
columns (dates, numbers, enums) have few distinct values, so each distinct value is parsed once by
the row-path function of normalise.py and mapped back — the same code decides for both paths.
Rows any check flags are handed back to the caller, which asks the row path (normalise.validate_row)
for their reasons; the result must agree with the row path (tests/ingest/test_columnar.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xinyong.catalogue.schemas import FieldSpec, KindSpec
from xinyong.ingest import normalise as rowpath
from xinyong.ingest.readers import Grid
from xinyong.subjects.identifiers import USCC_ALPHABET, check_citizen_id, document_type

USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_LUT = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(USCC_ALPHABET):
    _LUT[ord(_c)] = _i
_CTRL_BYTES = np.zeros(256, dtype=bool)
_CTRL_BYTES[[b for b in range(32) if b not in (9, 10, 13)] + [127]] = True
_NON_ASCII = np.zeros(256, dtype=bool)
_NON_ASCII[128:] = True
_JSON_SPECIAL = np.zeros(256, dtype=bool)
_JSON_SPECIAL[[ord("\\"), ord('"'), 9, 10, 13]] = True


def _has_bytes(arr: pa.Array, table: np.ndarray) -> bool:
    """Whether any byte of the array's data buffer is flagged in `table` (a cheap whole-column test)."""
    data = arr.buffers()[2] if len(arr.buffers()) > 2 else None
    if data is None or len(arr) == 0:
        return False
    return bool(table[np.frombuffer(data, dtype=np.uint8)].any())


def clean(arr: pa.Array) -> pa.Array:
    """normalise.clean_text on a whole column."""
    # NFKC leaves ASCII unchanged: skip it for pure-ASCII columns (codes, dates, amounts).
    out = pc.utf8_normalize(arr, form="NFKC") if _has_bytes(arr, _NON_ASCII) else arr
    if _has_bytes(out, _CTRL_BYTES):
        out = pc.replace_substring_regex(out, pattern=rowpath.CONTROL, replacement="")
    out = pc.utf8_trim(out, characters=" \t\r\n")
    return pc.if_else(pc.equal(pc.binary_length(out), 0), pa.scalar(None, pa.string()), out)


def code(arr: pa.Array) -> pa.Array:
    """normalise.code_text on a column of cleaned text."""
    return pc.ascii_upper(pc.replace_substring_regex(arr, pattern=r"[ \t\r\n]+", replacement=""))


def json_escape(arr: pa.Array) -> pa.Array:
    """JSON string escaping, equal to json.dumps(ensure_ascii=False) for text without control
    characters other than tab/newline/CR (cleaned text has none)."""
    if not _has_bytes(arr, _JSON_SPECIAL):  # the common case: nothing to escape
        return arr
    for old, new in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        arr = pc.replace_substring(arr, pattern=old, replacement=new)
    return arr


def map_distinct(
    arr: pa.Array, fn: Callable[[str], tuple[str | None, str | None]]
) -> tuple[pa.Array, pa.Array]:
    """Apply a row-path parser once per distinct value: (values, error codes), aligned with arr."""
    distinct = pc.unique(arr).drop_null()
    results = [fn(v) for v in distinct.to_pylist()]
    values = pa.array([r[0] for r in results], pa.string())
    errors = pa.array([r[1] for r in results], pa.string())
    idx = pc.index_in(arr, value_set=distinct)
    return values.take(idx), errors.take(idx)


def uscc_valid(arr: pa.Array) -> np.ndarray:
    """GB 32100-2015 check for a column of normalised codes; null counts as valid (not given)."""
    ok = np.ones(len(arr), dtype=bool)
    present = arr.is_valid().to_numpy(zero_copy_only=False)
    if not present.any():
        return ok
    right_length = pc.equal(pc.binary_length(arr), 18).fill_null(False).to_numpy(zero_copy_only=False)
    ok[present & ~right_length] = False
    pos = np.flatnonzero(present & right_length)
    if len(pos):
        fixed = pc.cast(arr.take(pa.array(pos)).cast(pa.binary()), pa.binary(18))
        chars = np.frombuffer(fixed.buffers()[1], dtype=np.uint8)[
            fixed.offset * 18 : (fixed.offset + len(fixed)) * 18
        ]
        vals = _LUT[chars.reshape(-1, 18)]
        legal = (vals >= 0).all(axis=1) & (vals[:, 2:8] < 10).all(axis=1)
        check = (31 - (vals[:, :17] * USCC_WEIGHTS).sum(axis=1) % 31) % 31
        ok[pos] = legal & (check == vals[:, 17])
    return ok


def _citizen_ok(text: str) -> tuple[str | None, str | None]:
    """Valid and already in normal form (a 15-digit ID is upgraded by the row path)."""
    return (text, None) if check_citizen_id(text).value == text else (None, "citizen_id")


def _flag_distinct(arr: pa.Array, test: Callable[[str], bool]) -> np.ndarray:
    """Rows whose (non-null) value passes `test`, evaluated once per distinct value."""
    _, errors = map_distinct(arr, lambda t: (None, "x" if test(t) else None))
    return errors.is_valid().to_numpy(zero_copy_only=False)


def _row_path_only(spec: KindSpec, values: dict[str, pa.Array]) -> np.ndarray:
    """Rows only the row path decides: a 证件类型 other than the citizen ID (its own format rule, or
    unknown → a warning), a citizen-ID-shaped number in the USCC column (personal data), a category
    cell with a category the catalogue does not know (a warning)."""
    n = len(next(iter(values.values()))) if values else 0
    out = np.zeros(n, dtype=bool)
    s = spec.subject
    if "id_type" in values:
        out |= _flag_distinct(
            values["id_type"], lambda t: getattr(document_type(t), "code", None) != "citizen_id"
        )
    if s.uscc in values:
        out |= (
            pc.match_substring_regex(values[s.uscc], r"^\d{17}[\dX]$")
            .fill_null(False)
            .to_numpy(zero_copy_only=False)
        )
    for name in rowpath.severity_fields(spec):
        if name in values:
            out |= _flag_distinct(values[name], lambda t: bool(rowpath.unknown_categories(spec, t)))
    return out


@dataclass
class Normalised:
    """Output of normalise_columns: per field its normalised column, and the rows to re-check."""

    values: dict[str, pa.Array]
    flagged: np.ndarray  # bool per grid row


def normalise_columns(
    spec: KindSpec,
    grid: Grid,
    columns: dict[str, str],
    units: dict[str, tuple[str, str | None]] | None = None,
) -> Normalised:
    """`columns`: header → field (from catalogue.service.map_columns); `units`: money fields given
    in another unit than the catalogue's (catalogue.service.header_units) — converted per distinct
    value, or (unit not stated) every row with a value left to the row path, which rejects it."""
    units = units or {}
    n = grid.num_rows
    by_field = {f: grid.columns[grid.headers.index(h)] for h, f in columns.items()}
    flagged = np.zeros(n, dtype=bool)
    values: dict[str, pa.Array] = {}
    for f in spec.fields:
        raw = by_field.get(f.name)
        if raw is None:
            if f.required:
                flagged[:] = True
            continue
        text = clean(raw)
        if f.name in units:
            unit = units[f.name][1]
            if unit is None:
                value, bad = text, text.is_valid().to_numpy(zero_copy_only=False)
            else:
                value, errors = map_distinct(
                    text, lambda t, u=unit, f=f: rowpath.convert_amount(t, u, f.unit_zh)
                )
                bad = errors.is_valid().to_numpy(zero_copy_only=False)
        else:
            value, bad = _typed(f, text)
        if f.required:
            bad |= ~text.is_valid().to_numpy(zero_copy_only=False)
        flagged |= bad
        values[f.name] = value
    if values:
        flagged |= _row_path_only(spec, values)
    s = spec.subject
    ident = [values[k] for k in (s.uscc, s.local_code, s.id_number) if k in values]
    if ident:
        flagged |= ~pc.coalesce(*ident).is_valid().to_numpy(zero_copy_only=False)
    else:
        flagged[:] = True
    return Normalised(values, flagged)


def _typed(f: FieldSpec, text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    if f.type in ("string", "code"):
        value = code(text) if f.type == "code" else text
        bad = pc.greater(pc.utf8_length(value), f.max_length).fill_null(False).to_numpy(zero_copy_only=False)
        if f.check == "uscc":
            bad = bad | ~uscc_valid(value)
        elif f.check == "citizen_id":
            _, errors = map_distinct(value, _citizen_ok)
            bad = bad | errors.is_valid().to_numpy(zero_copy_only=False)
        return value, bad
    enums = rowpath.enum_lookup(f) if f.type == "enum" else None
    value, errors = map_distinct(text, lambda t: rowpath.normalise_value(f, t, enums))
    bad = errors.is_valid().to_numpy(zero_copy_only=False)
    return value, bad


# --- records ----------------------------------------------------------------------------------


def _subject_columns(spec: KindSpec, v: dict[str, pa.Array], n: int) -> dict[str, pa.Array]:
    """normalise.subject_of on whole columns."""
    s = spec.subject
    null = pa.nulls(n, pa.string())
    uscc, local, person = (v.get(k, null) for k in (s.uscc, s.local_code, s.id_number))
    primary = pc.coalesce(uscc, local, person)
    personal = pc.and_(uscc.is_null(), local.is_null())
    derived = pc.if_else(
        uscc.is_valid(),
        pc.if_else(
            pc.match_substring_regex(uscc, "^1[123]").fill_null(False),
            "government",
            pc.if_else(
                pc.starts_with(uscc, "92").fill_null(False),
                "individual_business",
                pc.if_else(pc.starts_with(uscc, "N").fill_null(False), "village", "enterprise"),
            ),
        ),
        pc.if_else(person.is_valid(), "person", "carrier"),
    )
    kind = pc.coalesce(v.get(s.kind, null), derived)
    namespace = pc.if_else(personal, "person:", "org:")
    ids = _sha256(pc.binary_join_element_wise(namespace, primary, ""))
    return {
        "id": pc.binary_join_element_wise("s", pc.utf8_slice_codeunits(ids, 0, 23), ""),
        "kind": kind,
        "name": pc.coalesce(v.get(s.name, null), primary),
        "uscc": uscc,
        "id_number": pc.if_else(personal, person, null),
        "local_code": local,
        "legal_rep": v.get(s.legal_rep, null),
    }


_LOCAL = threading.local()  # one in-memory DuckDB per thread: a connection is not shared across threads


def _sha256(arr: pa.Array) -> pa.Array:
    duck = getattr(_LOCAL, "duck", None)
    if duck is None:
        duck = _LOCAL.duck = duckdb.connect()
    tbl = pa.table({"t": arr})  # noqa: F841 - read by DuckDB's replacement scan
    return duck.sql("SELECT sha256(t) AS h FROM tbl").to_arrow_table().column(0).combine_chunks()


def fields_json(spec: KindSpec, v: dict[str, pa.Array]) -> pa.Array:
    """normalise.fields_json on whole columns."""
    skip = spec.subject_field_names | rowpath._SUBJECT_EXTRA
    pieces = []
    for name in sorted(k for k in v if k not in skip):
        col = v[name]
        key = rowpath.json_string(name) + ":"
        if spec.field(name).type in rowpath.NUMERIC_TYPES:
            pieces.append(pc.binary_join_element_wise(key, col, ""))
        else:
            pieces.append(pc.binary_join_element_wise(key + '"', json_escape(col), '"', ""))
    if not pieces:
        n = len(next(iter(v.values())))
        return pa.array(["{}"] * n, pa.string())
    body = pc.binary_join_element_wise(*pieces, ",", null_handling="skip")
    return pc.binary_join_element_wise("{", body, "}", "")


def original_json(grid: Grid, rows: np.ndarray) -> pa.Array:
    """normalise.original_json for the chosen grid rows."""
    take = pa.array(rows)
    everything = len(rows) == grid.num_rows
    pieces, needs_python = [], np.zeros(len(rows), dtype=bool)
    for header, col in zip(grid.headers, grid.columns, strict=True):
        col = col if everything else col.take(take)
        if _has_bytes(col, _CTRL_BYTES):
            needs_python |= (
                pc.match_substring_regex(col, rowpath.CONTROL).fill_null(False).to_numpy(zero_copy_only=False)
            )
        present = pc.greater(pc.binary_length(col), 0).fill_null(False)
        piece = pc.binary_join_element_wise(rowpath.json_string(header) + ':"', json_escape(col), '"', "")
        pieces.append(pc.if_else(present, piece, pa.scalar(None, pa.string())))
    body = pc.binary_join_element_wise(*pieces, ",", null_handling="skip")
    out = pc.binary_join_element_wise("{", body, "}", "")
    if needs_python.any():
        py = out.to_pylist()
        for i in np.flatnonzero(needs_python):
            py[i] = rowpath.original_json(grid.row(int(rows[i])))
        out = pa.array(py, pa.string())
    return out


def _severity(spec: KindSpec, v: dict[str, pa.Array], amount: pa.Array, n: int) -> pa.Array:
    """normalise.severity_of on whole columns: the amount rules are evaluated vectorised, then each
    distinct (categories…, amount hits) key once by the row-path function."""
    sev = spec.severity
    null = pa.nulls(n, pa.string())
    if sev is None:
        return null
    names = rowpath.severity_fields(spec)
    parts = [pc.fill_null(v.get(name, null), "") for name in names]
    for rule in sev.rules:
        if rule.field is None and rule.amount_at_least is not None:
            hit = pc.greater_equal(amount, rule.amount_at_least).fill_null(False)
            parts.append(pc.if_else(hit, "1", "0"))
    key = pc.binary_join_element_wise(*parts, "\x1f") if parts else pa.array([""] * n, pa.string())

    def decide(k: str) -> tuple[str | None, None]:
        pieces = k.split("\x1f")
        cells = dict(zip(names, pieces[: len(names)], strict=True))
        flags = iter(p == "1" for p in pieces[len(names) :])
        hits = [
            next(flags) if r.field is None and r.amount_at_least is not None else False for r in sev.rules
        ]
        return rowpath.severity_from(spec, cells, hits), None

    out, _ = map_distinct(key, decide)
    if sev.field and sev.field in v:
        out = pc.coalesce(v[sev.field], out)
    return out


def build_records(spec: KindSpec, source: str, v: dict[str, pa.Array], n: int) -> dict[str, pa.Array]:
    """normalise.build_record on whole columns (all rows valid)."""
    null = pa.nulls(n, pa.string())
    subject = _subject_columns(spec, v, n)
    ftext = fields_json(spec, v)
    canonical = pc.binary_join_element_wise(
        '{"fields":',
        ftext,
        f',"kind":{rowpath.json_string(spec.id)},"source":{rowpath.json_string(source)},"subject":"',
        subject["id"],
        '"}',
        "",
    )
    if spec.amount and spec.amount.field in v:
        text, _ = map_distinct(v[spec.amount.field], lambda t: (repr(rowpath.amount_cny(spec, t)), None))
        amount = pc.cast(text, pa.float64())
    else:
        amount = pa.nulls(n, pa.float64())
    severity = _severity(spec, v, amount, n)
    occurred = v.get(spec.occurred_on, null) if spec.occurred_on else null
    valid = v.get(spec.valid_until, null) if spec.valid_until else null
    given = v.get(spec.publicity_until, null) if spec.publicity_until else null
    return {
        "id": _sha256(canonical),
        "subject_id": subject["id"],
        "fields": ftext,
        "source_record_id": v.get(spec.record_id, null) if spec.record_id else null,
        "occurred_on": occurred,
        "valid_until": valid,
        "publicity_until": _publicity(spec, occurred, valid, given, severity),
        "severity": severity,
        "amount": amount,
        **{f"subject_{k}": col for k, col in subject.items() if k != "id"},
    }


def _publicity(
    spec: KindSpec, occurred: pa.Array, valid: pa.Array, given: pa.Array, severity: pa.Array
) -> pa.Array:
    if spec.publicity.mode == "none":
        return given
    if spec.publicity.mode == "until_valid":
        return pc.coalesce(given, valid)
    key = pc.binary_join_element_wise(occurred, pc.coalesce(severity, ""), "|")

    def rule(k: str) -> tuple[str | None, None]:
        occ, sev = k.split("|")
        return rowpath.publicity_until(spec, occ, None, None, sev or None), None

    computed, _ = map_distinct(key, rule)
    return pc.coalesce(given, computed)
