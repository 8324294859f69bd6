"""A record's identity (Record.id, Record.content_id): the canonical text of its content and its SHA-256.

Ingest computes it when it collects a row (xinyong.ingest.normalise re-exports these functions); the
record service and the ledger's verifier recompute it from stored columns (`content_id`). It lives here,
in the records domain, so those lower domains need not import ingest (docs/architecture.md)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal

from xinyong.catalogue.schemas import KindSpec

DECIMAL_RE = re.compile(r"^\d+(\.\d+)?$")
NUMERIC_TYPES = ("decimal", "integer")


def parse_decimal(text: str) -> tuple[str | None, str | None]:
    """Canonical decimal text: "1,234.50" → "1234.5", "007" → "7"; negatives are rejected."""
    plain = text.replace(",", "").replace(" ", "")
    if plain.startswith("+"):
        plain = plain[1:]
    if not DECIMAL_RE.match(plain):
        return None, "negative" if plain.startswith("-") and DECIMAL_RE.match(plain[1:]) else "decimal"
    whole, _, frac = plain.partition(".")
    whole = whole.lstrip("0") or "0"
    frac = frac.rstrip("0")
    if len((whole.lstrip("0") + frac).lstrip("0")) > 15:
        # More than a float holds exactly; 15 keeps the canonical text recoverable from storage.
        return None, "decimal_digits"
    return (f"{whole}.{frac}" if frac else whole), None


def json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def fields_json(spec: KindSpec, fields: Mapping[str, str]) -> str:
    """Canonical JSON of the fields: keys sorted, no whitespace, UTF-8 kept, decimal/integer
    fields as JSON numbers (their canonical text), everything else as strings."""
    types = {f.name: f.type for f in spec.fields}
    parts = [
        f"{json_string(k)}:{v if types.get(k) in NUMERIC_TYPES else json_string(v)}"
        for k, v in sorted(fields.items())
    ]
    return "{" + ",".join(parts) + "}"


def number_text(value: float | int) -> str:
    """Canonical decimal text of a number read back from storage (inverse of parse_decimal)."""
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    return parse_decimal(text)[0] or text


def content_id(spec: KindSpec, source: str, subject_id: str, fields: Mapping[str, object]) -> str:
    """Recompute a stored record's id from its columns (fields as read back from the store), so a
    verifier can check that a record's content still matches the id the transparency log holds."""
    text = {
        k: number_text(v) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)
        for k, v in fields.items()
    }
    return record_id(canonical_record(spec.id, source, subject_id, fields_json(spec, text)))


def canonical_record(kind: str, source: str, subject_id: str, fields_text: str) -> str:
    """{"fields":{…},"kind":…,"source":…,"subject":…} — sorted keys, compact. Its sha256 is Record.id."""
    return (
        f'{{"fields":{fields_text},"kind":{json_string(kind)},"source":{json_string(source)},'
        f'"subject":{json_string(subject_id)}}}'
    )


def record_id(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
