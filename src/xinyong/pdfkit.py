"""Small shared PDF helpers on ReportLab (the credit report, the sticker sheets …). A kernel module: it
imports no domain, so any domain that draws a PDF may use it (docs/architecture.md).

Every PDF embeds (a subset of) one open font, WenQuanYi Micro Hei (文泉驿微米黑; Apache-2.0 or GPLv3
with the font exception; OS/2 fsType 8, embedding allowed), shipped as a TrueType collection by the
PyPI package `paperang-p2-fonts-cjk`, so `pip install` brings it and nothing is downloaded at run
time. ReportLab embeds TrueType (glyf) outlines only, not CFF, which rules out the OpenType Noto/Source
Han fonts. Embedded subsets make the text render and extract (pdftotext) in every viewer, without
the viewer's own CJK fonts or poppler-data. The font has Latin glyphs too, so it is the only font.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

CJK_FONT = "WenQuanYiMicroHei"


def font_path() -> Path:
    """The TrueType collection of the font package (raises ImportError when it is not installed)."""
    import paperang_p2_fonts_cjk

    return Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the font once per process (ReportLab subsets it into each document)."""
    pdfmetrics.registerFont(TTFont(CJK_FONT, str(font_path()), subfontIndex=0))
    for bold in (0, 1):  # <b> in a paragraph maps to the same face (the font has no bold)
        for italic in (0, 1):
            addMapping(CJK_FONT, bold, italic, CJK_FONT)
    return CJK_FONT


def style(name: str, size: float = 9, leading: float | None = None, **kw: object) -> ParagraphStyle:
    register_fonts()
    # wordWrap CJK: Chinese has no spaces, so lines may break between any two characters.
    return ParagraphStyle(
        name, fontName=CJK_FONT, fontSize=size, leading=leading or size * 1.35, wordWrap="CJK", **kw
    )


# Characters the font has no glyph for, mapped to one it has (U+2219 bullet operator → U+00B7).
_NO_GLYPH = str.maketrans({"\u2219": "\u00b7"})


def pdf_text(text: object) -> str:
    return ("" if text is None else str(text)).translate(_NO_GLYPH)


def para(text: object, st: ParagraphStyle) -> Paragraph:
    """A paragraph of untrusted text: escaped, so `<script>` or `<b>` stay literal characters."""
    return Paragraph(escape(pdf_text(text)), st)


def para_lines(lines: list[object], st: ParagraphStyle) -> Paragraph:
    """Several lines of untrusted text in one paragraph, each escaped, joined by line breaks."""
    return Paragraph("<br/>".join(escape(pdf_text(x)) for x in lines), st)
