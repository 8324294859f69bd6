"""The PDF credit report (信用报告) of one subject as of a date.

The report is a rendering of `build_archive(...)` for the requesting viewer, so it carries exactly
what that viewer may see on the archive page. Its number is derived from the content (the first 12
hex digits of the archive's SHA-256) and registered at issue (`reports` table: digest, issuing view,
validity), so anyone holding the report can verify it for its whole validity period
(`GET /api/v1/reports/verify`, `xinyong report verify`), and learns whether the archive changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.archive.schemas import (
    POLARITY_LABELS,
    STATUS_LABELS,
    VIEW_LABELS,
    Archive,
    KindGroup,
    RecordStatus,
)
from xinyong.console.labels import date_notes, field_value, grade_text, label
from xinyong.disclosure.policy import Viewer
from xinyong.pdfkit import CJK_FONT, para, para_lines, register_fonts, style
from xinyong.public.qr import card_url, qr_png
from xinyong.reports.models import IssuedReport

# Who issues the report and what it is for (出具机构, 用途, 有效期): printed on every report.
ISSUER = "xinyong 公共信用信息平台（天津市“信用赋能 创新发展”试点）"
ISSUER_EN = "xinyong public-credit platform (Tianjin district pilots)"
PURPOSE = (
    "本报告依据公共信用信息平台归集的信息出具，供报告使用方了解该主体截至报告日的公共信用状况，"
    "可用于行政管理、市场交易与融资等参考；不构成对该主体的评价结论或担保，信息以原始提供单位为准。"
)
PURPOSE_EN = (
    "Issued from the records the platform has collected, so the reader can see the subject's public "
    "credit standing as of the stated date, for administration, trade or financing reference; it is not "
    "a guarantee, and each record's supplier remains its authority."
)
# A report is valid (and verifies) for this many days after the (local) day it was issued. A bank
# keeps a report for a loan file for about a quarter; after that the holder asks for a fresh one.
VALID_DAYS = 90


def qr_image(url: str, size_pt: float) -> Image:
    """The QR code of the public card, drawn into the report."""
    return Image(io.BytesIO(qr_png(url, scale=6)), width=size_pt, height=size_pt)


def HEADING():  # noqa: ANN201, N802 - a style factory named like the style
    """Section heading: kept on the page of what follows it (no heading alone at a page bottom)."""
    return style("h", 12, 18, keepWithNext=1, spaceBefore=2)


def SUBHEADING():  # noqa: ANN201, N802
    return style("h2", 10, 15, keepWithNext=1)


@dataclass(frozen=True)
class Report:
    number: str
    digest: str
    pdf: bytes


def archive_digest(archive: Archive) -> str:
    """SHA-256 of the archive's canonical JSON (what the report states, nothing else)."""
    return hashlib.sha256(archive.model_dump_json().encode("utf-8")).hexdigest()


def report_number(archive: Archive) -> str:
    """XYR-<as-of date>-<first 12 hex of the digest>, e.g. XYR-20250630-3F2A9C0B1D4E."""
    return f"XYR-{archive.as_of:%Y%m%d}-{archive_digest(archive)[:12].upper()}"


def render_report(archive: Archive, *, base_url: str, generated_at: dt.datetime) -> Report:
    register_fonts()
    digest = archive_digest(archive)
    number = report_number(archive)
    url = card_url(base_url, archive.subject.id)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        initialFontName=CJK_FONT,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"信用报告 {number}",
        author="xinyong 信用平台",
        subject=f"Credit report {archive.subject.id} as of {archive.as_of}",
    )
    verify = (
        f"核验 Verify: 报告编号 {number} | 内容摘要 SHA-256 {digest} | "
        f"{base_url.rstrip('/')}/api/v1/reports/verify?subject_id={archive.subject.id}"
        f"&as_of={archive.as_of}&number={number}"
    )

    def footer(canvas, _doc) -> None:  # noqa: ANN001 - ReportLab callback signature
        canvas.saveState()
        canvas.setFont(CJK_FONT, 6.5)
        canvas.drawString(16 * mm, 9 * mm, verify[:150])
        canvas.drawString(16 * mm, 6 * mm, verify[150:])
        canvas.drawRightString(A4[0] - 16 * mm, 12 * mm, f"第 {canvas.getPageNumber()} 页 page")
        canvas.restoreState()

    numbers = iter("一二三四五六七八九")
    story = _header(archive, number, url, generated_at) + _identity(archive, next(numbers))
    if archive.grades:
        story += _grades(archive, next(numbers))
    story += _summary(archive, next(numbers))
    for polarity in ("positive", "negative", "neutral"):
        story += _section(archive.by_polarity(polarity), polarity, next(numbers), archive.as_of)
    story += _issuing(archive, generated_at, next(numbers))
    story += [
        Spacer(1, 4 * mm),
        para(verify, style("verify", 7.5, textColor=colors.HexColor("#444444"))),
        para(
            "本报告依据报告日（as of）平台归集的信息生成，仅反映查询方可见范围内的信息。 This report reflects "
            "the records collected by the platform as of the stated date, within what the requester may see.",
            style("note", 7.5, textColor=colors.HexColor("#444444")),
        ),
    ]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return Report(number=number, digest=digest, pdf=buf.getvalue())


def _issuing(archive: Archive, generated_at: dt.datetime, no: str) -> list:
    """出具说明: issuing authority, purpose, validity (kept together on one page)."""
    cell, key = style("c", 8.5), style("k", 8.5, textColor=colors.HexColor("#333333"))
    valid_to = generated_at.date() + dt.timedelta(days=VALID_DAYS)
    rows = [
        [para("出具机构 Issued by", key), para(f"{ISSUER} / {ISSUER_EN}", cell)],
        [para("报告用途 Purpose", key), para(f"{PURPOSE} {PURPOSE_EN}", cell)],
        [
            para("有效期 Validity", key),
            para(
                f"信息截至 {archive.as_of}；本报告自出具之日起 {VALID_DAYS} 日内（至 {valid_to}）有效，逾期请重新查询。"
                f" Valid for {VALID_DAYS} days from issue (until {valid_to}).",
                cell,
            ),
        ],
        [para("出具日期 Issued on", key), para(f"{generated_at:%Y-%m-%d}", cell)],
    ]
    return [
        KeepTogether(
            [
                para(f"{no}、出具说明 Issuing statement", HEADING()),
                _grid(rows, [36 * mm, 142 * mm], header=False),
            ]
        )
    ]


def _header(archive: Archive, number: str, url: str, generated_at: dt.datetime) -> list:
    title = [
        para("信用报告", style("t", 20, 26)),
        para("Credit Report", style("te", 11)),
        Spacer(1, 2 * mm),
        para(f"报告编号 Report No.: {number}", style("n", 9)),
        para(f"信息截至 As of: {archive.as_of.isoformat()}", style("n", 9)),
        para(f"版本 Disclosure level: {VIEW_LABELS.get(archive.view, archive.view)}", style("n", 9)),
        para(f"生成时间 Generated: {generated_at:%Y-%m-%d %H:%M}（北京时间 Beijing time）", style("n", 9)),
        para(f"出具机构 Issued by: {ISSUER}", style("n", 9)),
    ]
    qr = [qr_image(url, 28 * mm), para("扫码查看公开信用信息 Scan for the public card", style("q", 6.5))]
    table = Table([[title, qr]], colWidths=[140 * mm, 36 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), CJK_FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        )
    )
    return [table, Spacer(1, 4 * mm)]


def _grid(rows: list[list], widths: list[float], header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    # FONTNAME: a Table's default (Helvetica) would otherwise be listed as an unembedded font.
    cmds = [
        ("FONTNAME", (0, 0), (-1, -1), CJK_FONT),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")))
    table.setStyle(TableStyle(cmds))
    return table


def _identity(archive: Archive, no: str) -> list:
    s = archive.subject
    cell, key = style("c", 8.5), style("k", 8.5, textColor=colors.HexColor("#333333"))
    facts = [
        ("名称 Name", s.name),
        ("主体类别 Kind", s.kind_zh),
        ("统一社会信用代码 USCC", s.uscc),
        ("身份证号 ID number", s.id_number),
        ("法定代表人 Legal rep.", s.legal_rep),
        ("所属区 District", s.district_name or s.district_code),
        ("行业 Industry", s.industry),
        ("地址 Address", s.address),
        ("成立日期 Registered", s.registered_on),
        ("试点 Pilot", label(s.pilot, "pilot")),
        ("平台编号 Subject id", s.id),
    ]
    rows = [[para(k, key), para(v, cell)] for k, v in facts if v]
    return [
        para(f"{no}、主体身份与登记信息 Identity and registration", HEADING()),
        _grid(rows, [45 * mm, 133 * mm], header=False),
        Spacer(1, 4 * mm),
    ]


def _grades(archive: Archive, no: str) -> list:
    cell = style("c", 8.5)
    rows = [
        [
            para(h, cell)
            for h in ("评价模型 Model", "等级 Grade", "得分 Score", "评价日 As of", "主要原因 Reasons")
        ]
    ]
    for g in archive.grades:
        reasons = "；".join(str(r) for r in g.reasons[:4])
        as_of = f"{g.as_of} {g.stale_note}" if g.stale_since else g.as_of
        rows.append(
            [
                para(g.model, cell),
                para(grade_text(g.grade, g.grade_label), cell),
                para(g.score, cell),
                para(as_of, cell),
                para(reasons, cell),
            ]
        )
    return [
        para(f"{no}、信用评价 Credit grades", HEADING()),
        _grid(rows, [40 * mm, 18 * mm, 18 * mm, 22 * mm, 80 * mm]),
        Spacer(1, 4 * mm),
    ]


def _summary(archive: Archive, no: str) -> list:
    cell = style("c", 8.5)
    # Columns: the status vocabulary (xinyong.status + the date rule's expired); objection upheld,
    # revoked and erased share the last column (they are rare and all withdrawn).
    columns = [("active",), ("expired",), ("objection",), ("repaired",), ("upheld", "revoked", "erased")]
    head = ["", *(STATUS_LABELS[RecordStatus(c[0])][0] for c in columns[:-1]), "已撤销/删除"]
    rows = [[para(h, cell) for h in head]]
    for polarity in ("positive", "negative", "neutral"):
        groups = archive.by_polarity(polarity)
        counts = [sum(g.counts.get(st, 0) for g in groups for st in col) for col in columns]
        zh, en = POLARITY_LABELS[polarity]
        rows.append([para(f"{zh} {en}", cell)] + [para(c, cell) for c in counts])
    return [
        para(f"{no}、信息概览 Summary", HEADING()),
        _grid(rows, [58 * mm, 24 * mm, 24 * mm, 24 * mm, 24 * mm, 24 * mm]),
        Spacer(1, 4 * mm),
    ]


def _section(groups: list[KindGroup], polarity: str, no: str, as_of: dt.date) -> list:
    zh, en = POLARITY_LABELS[polarity]
    out: list = [para(f"{no}、{zh} {en}", HEADING())]
    if not groups:
        return out + [para("无 none", style("c", 8.5)), Spacer(1, 3 * mm)]
    cell = style("c", 8)
    for group in groups:
        out.append(para(f"{group.name_zh} {group.name_en}（{len(group.records)}）", SUBHEADING()))
        rows = [
            [
                para(h, cell)
                for h in ("日期 Date", "状态 Status", "来源 Source / 归集 Collected", "内容 Details")
            ]
        ]
        for r in group.records:
            details = "；".join(
                f"{lab.label_zh}：{field_value(group.kind, lab.name, r.fields[lab.name])}"
                for lab in group.field_labels
                if r.fields.get(lab.name) not in (None, "")
            )
            status = f"{r.status_zh}（已更正 corrected）" if r.corrected else r.status_zh
            rows.append(
                [
                    para(r.occurred_on or "—", cell),
                    para_lines([status, *date_notes(r, as_of)], cell),
                    para(f"{r.source} / {r.collected_on}", cell),
                    para(details, cell),
                ]
            )
        out += [_grid(rows, [20 * mm, 34 * mm, 34 * mm, 90 * mm]), Spacer(1, 3 * mm)]
    return out


# --- the register of issued reports (报告登记) and public verification ---------------------------


def _viewer_doc(viewer: Viewer) -> dict[str, object]:
    return {
        "role": viewer.role,
        "district_code": viewer.district_code,
        "subject_id": viewer.subject_id,
        "kinds": sorted(viewer.kinds) if viewer.kinds is not None else None,
    }


def _viewer_from(doc: dict[str, object]) -> Viewer:
    kinds = doc.get("kinds")
    return Viewer(
        role=str(doc["role"]),
        district_code=doc.get("district_code"),  # type: ignore[arg-type]
        subject_id=doc.get("subject_id"),  # type: ignore[arg-type]
        kinds=frozenset(kinds) if kinds is not None else None,
    )  # type: ignore[arg-type]


# The register keeps the issuing viewer's role and scope, never who it was. Some of an archive can depend
# on who: a person's score read under the person's grant (evaluation/privacy.py) is shown to the grant's
# holder alone. Verification cannot rebuild that part without reading the score again in the holder's
# name, which would log a grant read nobody made. So at issue the archive is also built for the role
# alone; when that differs, its digest is kept under this key and verification compares against it.
IDENTITY_BOUND = "identity_bound_digest"


def _identity_bound_digest(
    session: Session, archive: Archive, digest: str, doc: dict[str, object]
) -> str | None:
    """The digest of the archive as the issuing role (without the user) sees it, when that differs from
    the report's `digest`; None when the report holds nothing bound to who issued it."""
    from xinyong.archive.service import SubjectNotFound, build_archive

    try:
        detached = build_archive(
            session, subject_id=archive.subject.id, as_of=archive.as_of, viewer=_viewer_from(doc)
        )
    except SubjectNotFound:
        return None
    other = archive_digest(detached)
    return other if other != digest else None


def records_digest(session: Session, *, viewer: Viewer, subject_id: str, as_of: dt.date) -> str:
    """SHA-256 over (id, content digest) of every record of the subject that `viewer` may see as of
    `as_of` (the archive's own query: the disclosure policy's filter). A new, corrected, repaired or
    expired record changes it."""
    from xinyong.archive.service import visible_records_query
    from xinyong.ledger.service import record_digest

    h = hashlib.sha256()
    rows = sorted(
        (r.id, record_digest(r)) for r in session.scalars(visible_records_query(viewer, subject_id, as_of))
    )
    for rid, digest in rows:
        h.update(f"{rid}:{digest}\n".encode())
    return h.hexdigest()


def register_report(
    session: Session, report: Report, archive: Archive, *, viewer: Viewer, issued_at: dt.datetime
) -> IssuedReport:
    """Store what `report` committed to (idempotent: the same content issued again keeps the first
    issue, whose validity runs from then). `issued_at` is an aware instant (or naive UTC)."""
    found = session.get(IssuedReport, report.number)
    if found is not None:
        return found
    aware = issued_at if issued_at.tzinfo else issued_at.replace(tzinfo=dt.UTC)
    day = clock.today(aware)  # the local (Beijing) issue day
    doc = _viewer_doc(viewer)
    bound = _identity_bound_digest(session, archive, report.digest, doc)
    if bound is not None:
        doc[IDENTITY_BOUND] = bound
    row = IssuedReport(
        number=report.number,
        subject_id=archive.subject.id,
        as_of=archive.as_of,
        view=archive.view,
        digest=report.digest,
        viewer=doc,
        issued_at=aware.astimezone(dt.UTC).replace(tzinfo=None),
        records_digest=records_digest(session, viewer=viewer, subject_id=archive.subject.id, as_of=day),
        valid_until=day + dt.timedelta(days=VALID_DAYS),
    )
    session.add(row)
    session.flush()
    return row


def verify_report(
    session: Session,
    *,
    number: str,
    today: dt.date,
    subject_id: str | None = None,
    as_of: dt.date | None = None,
) -> dict[str, object]:
    """Check a report number against the register, for anyone holding the report.

    Returns {number, valid, status, subject_id, as_of, view, issued_at (Beijing time), valid_until,
    changed_since_issue, message}. `status`: ``valid``; ``expired`` (after valid_until);
    ``mismatch`` (the number is registered for another subject or as-of date than given);
    ``unknown`` (never issued here: forged or altered — the digest check also catches a register row
    edited behind our back). `changed_since_issue` compares the records the issuing viewer may see
    today with those at issue, and the archive for the report's date rebuilt now with the one issued; for a
    report holding content bound to its issuer (a score read under a grant: IDENTITY_BOUND), with the
    archive the issuer's role saw without it. Verification reads no grant and writes no access log."""
    from xinyong.archive.service import SubjectNotFound, build_archive

    number = number.strip().upper()
    row = session.get(IssuedReport, number)
    out: dict[str, object] = {
        "number": number,
        "valid": False,
        "status": "unknown",
        "subject_id": subject_id,
        "as_of": as_of,
        "view": None,
        "issued_at": None,
        "valid_until": None,
        "changed_since_issue": None,
    }
    intact = row is not None and number == f"XYR-{row.as_of:%Y%m%d}-{row.digest[:12].upper()}"
    if not intact:
        out["message"] = (
            "报告编号不存在：非本平台出具或已被改动 / unknown report number: not issued here, or altered"
        )
        return out
    out |= {
        "subject_id": row.subject_id,
        "as_of": row.as_of,
        "view": row.view,
        "issued_at": clock.local_text(row.issued_at, "%Y-%m-%d %H:%M:%S"),
        "valid_until": row.valid_until,
    }
    if (subject_id and subject_id != row.subject_id) or (as_of and as_of != row.as_of):
        out |= {
            "status": "mismatch",
            "message": "报告编号与主体或日期不符 / the number belongs to another subject or as-of date",
        }
        return out
    viewer = _viewer_from(row.viewer)
    bound = row.viewer.get(IDENTITY_BOUND)
    changed = (
        records_digest(session, viewer=viewer, subject_id=row.subject_id, as_of=today) != row.records_digest
    )
    try:
        rebuilt = build_archive(session, subject_id=row.subject_id, as_of=row.as_of, viewer=viewer)
        changed = changed or archive_digest(rebuilt) != (bound or row.digest)
    except SubjectNotFound:
        changed = True
    out["changed_since_issue"] = changed
    if today > row.valid_until:
        out |= {
            "status": "expired",
            "message": f"报告已过有效期（{row.valid_until} 止）/ the report expired on {row.valid_until}",
        }
        return out
    note = (
        "；出具后该主体档案已有变化 / the subject's archive has changed since issue"
        if changed
        else "；出具后档案未变化 / the archive is unchanged since issue"
    )
    if bound:
        note += (
            "（报告中经本人授权查询的内容不在核验范围内 / what the report shows under the person's "
            "authorisation is not re-read to verify it）"
        )
    out |= {
        "valid": True,
        "status": "valid",
        "message": f"本平台出具的真实报告，有效期至 {row.valid_until} / a genuine report issued here, valid until "
        f"{row.valid_until}{note}",
    }
    return out
