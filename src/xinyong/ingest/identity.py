"""Flags an import leaves on subjects (in `Subject.attributes["flags"]`), for officers to review.

`id_in_uscc_column`: a citizen ID number came in the USCC column without a 行政相对人类别; the
subject was made a person (its number masked like any ID) and waits for an officer's review.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, select, update

from xinyong.subjects.models import Subject

SUBJECT_FLAGS = {
    "id_in_uscc_column": (
        "身份证号填在统一社会信用代码列，待核实",
        "citizen ID in the USCC column, to review",
    )
}


def flag_subjects(conn: Connection, warnings: Iterable[Mapping[str, Any]]) -> None:
    """Add each warning whose code is a SUBJECT_FLAGS key to its subject's flags (idempotent)."""
    wanted: dict[str, set[str]] = {}
    for w in warnings:
        if w.get("code") in SUBJECT_FLAGS and w.get("subject_id"):
            wanted.setdefault(w["subject_id"], set()).add(w["code"])
    for sid, codes in sorted(wanted.items()):
        attrs = conn.execute(select(Subject.attributes).where(Subject.id == sid)).scalar_one_or_none()
        attrs = dict(attrs or {})
        flags = sorted(set(attrs.get("flags", [])) | codes)
        if flags != attrs.get("flags"):
            conn.execute(
                update(Subject).where(Subject.id == sid).values(attributes={**attrs, "flags": flags})
            )
