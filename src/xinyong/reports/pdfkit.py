"""Small shared PDF helpers on ReportLab.

Chinese text uses ReportLab's built-in CID font STSong-Light (Adobe-GB1): the PDF viewer supplies
the glyphs, so nothing is downloaded or embedded and files stay small.
"""

from __future__ import annotations

import io
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph

from xinyong.public.qr import qr_png

CJK_FONT = "STSong-Light"


@lru_cache(maxsize=1)
def register_fonts() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def style(name: str, size: float = 9, leading: float | None = None, **kw: object) -> ParagraphStyle:
    register_fonts()
    # wordWrap CJK: Chinese has no spaces, so lines may break between any two characters.
    return ParagraphStyle(name, fontName=CJK_FONT, fontSize=size, leading=leading or size * 1.35,
                          wordWrap="CJK", **kw)


# Adobe-GB1's UniGB-UCS2-H CMap has no glyph for U+00B7 (the middle dot of 阿卜杜·热合曼 and of
# many shop names) nor for other bullets; U+30FB is the same mark in GB2312 and renders.
_NO_GLYPH = str.maketrans({"\u00b7": "\u30fb", "\u2022": "\u30fb", "\u2027": "\u30fb", "\u2219": "\u30fb",
                           "\uff65": "\u30fb"})


def pdf_text(text: object) -> str:
    return ("" if text is None else str(text)).translate(_NO_GLYPH)


def para(text: object, st: ParagraphStyle) -> Paragraph:
    """A paragraph of untrusted text: escaped, so `<script>` or `<b>` stay literal characters."""
    return Paragraph(escape(pdf_text(text)), st)


def qr_image(url: str, size_pt: float) -> Image:
    return Image(io.BytesIO(qr_png(url, scale=6)), width=size_pt, height=size_pt)
