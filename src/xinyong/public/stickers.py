"""Printable shop-window sticker sheets (扫码查信用 贴纸): one A4 PDF for a whole pilot roster,
twelve stickers a page, each with the subject's QR code, its public name and the short URL."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from xinyong.pdfkit import CJK_FONT, pdf_text, register_fonts
from xinyong.public.qr import card_url, qr_png

COLS, ROWS = 3, 4
MARGIN_X, MARGIN_Y = 12 * mm, 12 * mm
CELL_W = (A4[0] - 2 * MARGIN_X) / COLS
CELL_H = (A4[1] - 2 * MARGIN_Y) / ROWS
QR_SIZE = 36 * mm


@dataclass(frozen=True)
class Sticker:
    subject_id: str
    name: str  # as the public sees it (policy-presented)
    uscc: str | None


def _fit(text: str, size: float, width: float) -> str:
    """Cut a long name so it stays on the sticker (ReportLab measures the CID font's widths)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, CJK_FONT, size) <= width:
        return text
    while text and stringWidth(text + "…", CJK_FONT, size) > width:
        text = text[:-1]
    return text + "…"


def render_sheet(stickers: Sequence[Sticker], *, base_url: str, title: str) -> bytes:
    register_fonts()
    buf = io.BytesIO()
    pdf = Canvas(buf, pagesize=A4, initialFontName=register_fonts())
    pdf.setTitle(f"{title} 信用二维码贴纸")
    pdf.setAuthor("xinyong 信用平台")
    for i, st in enumerate(stickers):
        slot = i % (COLS * ROWS)
        if i and slot == 0:
            pdf.showPage()
        col, row = slot % COLS, slot // COLS
        x = MARGIN_X + col * CELL_W
        y = A4[1] - MARGIN_Y - (row + 1) * CELL_H
        _sticker(pdf, st, x, y, base_url, title)
    if not stickers:
        pdf.setFont(CJK_FONT, 12)
        pdf.drawString(MARGIN_X, A4[1] - 30 * mm, f"{title}：无可打印的主体 / no subjects")
    pdf.save()
    return buf.getvalue()


def _sticker(pdf: Canvas, st: Sticker, x: float, y: float, base_url: str, title: str) -> None:
    pad = 3 * mm
    pdf.setStrokeColor(colors.HexColor("#b71c1c"))
    pdf.setLineWidth(0.8)
    pdf.setDash(3, 2)  # cutting guide
    pdf.roundRect(x + 1.5 * mm, y + 1.5 * mm, CELL_W - 3 * mm, CELL_H - 3 * mm, 3 * mm)
    pdf.setDash()
    centre = x + CELL_W / 2
    top = y + CELL_H - pad
    pdf.setFillColor(colors.HexColor("#b71c1c"))
    pdf.setFont(CJK_FONT, 11)
    pdf.drawCentredString(centre, top - 5 * mm, "扫码查信用  一扫可查")
    pdf.setFont(CJK_FONT, 6.5)
    pdf.drawCentredString(centre, top - 8.5 * mm, "Scan to check this merchant's public credit")
    url = card_url(base_url, st.subject_id)
    qr = ImageReader(io.BytesIO(qr_png(url, scale=6)))
    pdf.drawImage(qr, centre - QR_SIZE / 2, top - 10 * mm - QR_SIZE, QR_SIZE, QR_SIZE)
    pdf.setFillColor(colors.black)
    width = CELL_W - 2 * pad
    pdf.setFont(CJK_FONT, 9)
    pdf.drawCentredString(centre, top - 14 * mm - QR_SIZE, _fit(pdf_text(st.name), 9, width))
    pdf.setFont(CJK_FONT, 7)
    if st.uscc:
        pdf.drawCentredString(centre, top - 17.5 * mm - QR_SIZE, st.uscc)
    pdf.setFont(CJK_FONT, 6)
    pdf.drawCentredString(centre, top - 20.5 * mm - QR_SIZE, _fit(url, 6, width))
    pdf.setFillColor(colors.HexColor("#7b8794"))
    pdf.drawCentredString(centre, y + pad + 1 * mm, _fit(pdf_text(title), 6, width))
