"""Chinese for every enumerated value: a subject holding a record for every value of every enum field
of every catalogue kind is rendered on each surface (archive page, public card, CSV, XLSX, PDF),
and no internal value (enum codes, kind ids, severities, statuses, the pilot id) may appear in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re

import pytest
from openpyxl import load_workbook
from pdfminer.high_level import extract_text
from sqlalchemy.orm import Session

from helpers.console import logged_in
from helpers.rows import record_row, subject_row
from xinyong.accounts import service as accounts
from xinyong.catalogue.service import load_catalogue
from xinyong.console.labels import date_notes, grade_text, label
from xinyong.evaluation.service import reason_sentence
from xinyong.settings import Settings
from xinyong.subjects.identifiers import make_uscc

AS_OF = dt.date(2025, 6, 30)
PILOT = "heping_hisense_plaza"
SID = "S-ALL-KINDS"


def enum_values() -> list[tuple[str, str, str, str]]:
    """(kind, field, value, label_zh) for every enum value of the catalogue, read from the YAML
    (the fields that describe the subject itself go to the subject, not into the record)."""
    out = []
    for kind, spec in load_catalogue().kinds.items():
        for f in spec.fields:
            if f.name in spec.subject_field_names:
                continue
            for v in f.values:
                out.append((kind, f.name, v.value, v.label_zh))
    return out


def internal_words() -> set[str]:
    """Values that must never be shown as such: ASCII enum codes, kind ids, severities, statuses."""
    words = {v for _, _, v, _ in enum_values() if v.isascii()}
    words |= set(load_catalogue().kinds) | {"minor", "general", "serious", "active", "expired", PILOT}
    return {w for w in words if len(w) >= 3}


@pytest.fixture
def world(sqlite_engine, sqlite_url):
    from xinyong.app import create_app

    now = dt.datetime(2025, 1, 1, 9, 0)
    with Session(sqlite_engine) as s:
        s.add(
            subject_row(
                SID, seen=now, name="天津全类示范有限公司", uscc=make_uscc("91120101MA05XY009"), pilot=PILOT
            )
        )
        s.flush()
        catalogue = load_catalogue()
        for i, (kind, field, value, _) in enumerate(enum_values()):
            spec = catalogue.kinds[kind]
            rid = hashlib.sha256(f"{kind}.{field}.{value}".encode()).hexdigest()
            # A penalty past its validity but still in publicity: the two dates the status names.
            s.add(
                record_row(
                    rid,
                    SID,
                    seen=now,
                    kind=kind,
                    occurred=dt.date(2025, 1, 1),
                    severity="minor" if kind == "penalty" else None,
                    polarity=spec.polarity,
                    source="测试来源",
                    source_record_id=f"R{i}",
                    fields={field: value, "content": "内容"},
                    original={field: value},
                    valid_until=dt.date(2025, 3, 1),
                    publicity_until=dt.date(2026, 1, 1),
                )
            )
        accounts.create_user(s, username="city", role="city_admin", password="correct-horse-42")
        s.commit()
    app = create_app(dataclasses.replace(Settings.from_env(), database_url=sqlite_url, secret_key="t"))
    return logged_in(app, "city", "correct-horse-42")


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def leaks(text: str) -> set[str]:
    """Internal values standing alone in the text. A word inside an English phrase ("Administrative
    penalty", "signed tree head": the English gloss after the Chinese) is not a leak; a code with an
    underscore always is."""
    found = set()
    for w in internal_words():
        for m in re.finditer(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", text):
            before, after = text[: m.start()].rstrip()[-1:], text[m.end() :].lstrip()[:1]
            if "_" in w or not (before.isascii() and before.isalpha() or after.isascii() and after.isalpha()):
                found.add(w)
    return found


def test_no_internal_value_on_any_surface(world):
    assert len(enum_values()) > 30  # the catalogue really has enum fields to walk
    page = world.get(f"/subjects/{SID}", params={"as_of": AS_OF.isoformat()})
    assert page.status_code == 200
    text = visible(page.text)
    for kind, field, value, label_zh in enum_values():
        assert label_zh in text, (kind, field, value)
    assert leaks(text) == set()
    assert "诚信示范商场（天津海信广场）" in text  # the pilot by its name
    # The status names its dates: validity ended, publicity still running.
    assert "有效期至 2025-03-01（已届满）" in text and "公示期至 2026-01-01（公示中）" in text

    card = world.get(f"/c/{SID}", params={"as_of": AS_OF.isoformat()})
    assert card.status_code == 200 and leaks(visible(card.text)) == set()
    assert "公示期" in card.text and "处罚有效期" in card.text

    csv_text = world.get(f"/api/v1/subjects/{SID}/archive.csv", params={"as_of": AS_OF.isoformat()}).text
    assert leaks(csv_text) == set() and "轻微" in csv_text
    xlsx = world.get(f"/api/v1/subjects/{SID}/archive.xlsx", params={"as_of": AS_OF.isoformat()}).content
    cells = " ".join(
        str(c.value)
        for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows()
        for c in row
        if c.value is not None
    )
    assert leaks(cells) == set()
    for _, _, _, label_zh in enum_values():
        assert label_zh in csv_text and label_zh in cells

    pdf = world.get(f"/api/v1/subjects/{SID}/report.pdf", params={"as_of": AS_OF.isoformat()})
    assert pdf.status_code == 200
    raw = extract_text(io.BytesIO(pdf.content))
    assert leaks(re.sub(r"\s+", " ", raw)) == set()
    pdf_text = re.sub(r"\s+", "", raw)
    assert "诚信示范商场（天津海信广场）" in pdf_text
    for _, _, _, label_zh in enum_values():
        assert re.sub(r"\s+", "", label_zh) in pdf_text


def test_label_helpers_by_hand():
    assert label("minor", "severity") == "轻微" and label("heping_hisense_plaza", "pilot").endswith(
        "（天津海信广场）"
    )
    assert label("fire", "field:inspection.inspection_type") == "消防监督检查"
    assert label("自由文本", "field:inspection.result") == "自由文本"  # free text stays as given
    assert label("district_officer", "role") == "区诚信办"
    assert (
        grade_text("B", "良好") == "B 良好" and grade_text("B", None) == "B" and grade_text(None, "x") == ""
    )
    assert reason_sentence("表彰荣誉（3年内）", "Honours", 0, 50, 10) == (
        "表彰荣誉（3年内）：本项 0/50 分，综合得分因此少 10 分",
        "Honours: 0 of 50 points; the score is 10 points lower for it",
    )
    assert (
        reason_sentence("行政处罚（一般）", "Penalties", -15, 0, 7.5)[0]
        == "行政处罚（一般）：本项扣 15 分，综合得分因此少 7.5 分"
    )

    class R:
        valid_until, publicity_until = dt.date(2025, 3, 1), dt.date(2026, 1, 1)

    assert date_notes(R, dt.date(2025, 6, 30)) == [
        "有效期至 2025-03-01（已届满）",
        "公示期至 2026-01-01（公示中）",
    ]
    assert date_notes(R, dt.date(2026, 1, 2))[1] == "公示期至 2026-01-01（公示已结束）"
