"""The world and the probes of the tenancy harness (tests/tenancy/test_every_route.py).

Two districts: 和平 (120101) and 河西 (120103). Each has an enterprise with records at every
disclosure level (one public record whose publicity has ended) and a natural person. Every piece of
data a viewer must not see carries a *secret* string — canary text in record fields, full personal
names and ID numbers, private subject and record ids — and the harness searches every response
body (HTML, JSON, SVG, PDF text) for them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import string
from dataclasses import dataclass, field

from xinyong.records.models import Record
from xinyong.subjects.identifiers import make_citizen_id, make_uscc
from xinyong.subjects.models import Subject

AS_OF = dt.date(2025, 6, 30)
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
        rows.append(
            Record(
                id=rid,
                kind=kind,
                subject_id=sid,
                source="tenancy",
                source_record_id=f"{tag}-{label}",
                occurred_on=dt.date(2025, 1, 10),
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


def secrets_of(d: District) -> set[str]:
    """Everything of district `d` that a viewer without rights there must never receive."""
    private_records = {rid for label, rid in d.record_ids.items() if label in d.canaries}
    return {d.person_id, d.person_name, d.citizen_id, d.legal_rep, *d.canaries.values(), *private_records}


def targets_of(d: District) -> list[Target]:
    out = [
        Target(f"{d.tag} firm", [d.firm_id, d.uscc], private=False),
        Target(f"{d.tag} person", [d.person_id, d.citizen_id], private=True),
    ]
    out += [Target(f"{d.tag} record {label}", [d.record_ids[label]], private=True) for label in d.canaries]
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
    """What a response discloses, as text: PDFs through pdfminer, JSON re-serialised unescaped."""
    if content_type.startswith("application/pdf") or content[:5] == b"%PDF-":
        from pdfminer.high_level import extract_text

        return extract_text(io.BytesIO(content)) + content.decode("latin-1")
    text = content.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text
