"""QR codes (segno) for the public credit card URL of a subject."""

from __future__ import annotations

import io
from functools import lru_cache

import segno

# Error correction M (15 %) survives a scratched shop-window sticker while keeping the code small.
ERROR_LEVEL = "m"


def card_path(subject_id: str) -> str:
    """The stable short path of a subject's public card. Printed on stickers: never change it."""
    return f"/c/{subject_id}"


def card_url(base_url: str, subject_id: str) -> str:
    return base_url.rstrip("/") + card_path(subject_id)


@lru_cache(maxsize=4096)
def qr_svg(url: str, scale: int = 4) -> bytes:
    buf = io.BytesIO()
    segno.make(url, error=ERROR_LEVEL, micro=False).save(
        buf, kind="svg", scale=scale, border=2, title="信用二维码 credit QR"
    )
    return buf.getvalue()


@lru_cache(maxsize=4096)
def qr_png(url: str, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    segno.make(url, error=ERROR_LEVEL, micro=False).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()
