"""Header text normalisation: one function, applied once to every header before matching.

`normalise_header(text)`:
  1. Unicode NFKC — full-width letters, digits and punctuation become half-width (`ＣＦ＿ＸＤＲ` →
     `CF_XDR`, `（` → `(`, `＿` → `_`, `－` → `-`), the ideographic space becomes a space;
  2. the fold table `HEADER_FOLD` below — characters departments use interchangeably;
  3. a leading `*` (required-column marker of templates) dropped, every whitespace removed;
  4. ASCII lower-cased.

So `行政相对人代码＿3`, `行政相对人代码-3`, `行政相对人代码 _3`, `行政相对人代码_3（组织机构代码）` and
`行政相对人代码_3【组织机构代码】` all compare equal to their catalogue spelling.
"""

from __future__ import annotations

import re
import unicodedata

# After NFKC: character → replacement. Dashes and the ideographic "low line" variants NFKC keeps
# become `_` (the 双公示 spelling between 代码 and its number, and inside field codes); every
# bracket form becomes `(` / `)`; the half-width enumeration comma becomes `、`.
HEADER_FOLD: dict[str, str] = {
    "-": "_",
    "‐": "_",
    "‑": "_",
    "‒": "_",
    "–": "_",
    "—": "_",
    "―": "_",
    "ー": "_",
    "─": "_",
    "‗": "_",
    "̲": "_",
    "[": "(",
    "]": ")",
    "【": "(",
    "】": ")",
    "〔": "(",
    "〕": ")",
    "〖": "(",
    "〗": ")",
    "{": "(",
    "}": ")",
    "〈": "(",
    "〉": ")",
    "《": "(",
    "》": ")",
    "<": "(",
    ">": ")",
    "﹙": "(",
    "﹚": ")",
    "､": "、",
    ":": "",  # a colon some templates carry (`处罚机关：`; NFKC made it ASCII)
}
_FOLD = str.maketrans(HEADER_FOLD)


def normalise_header(header: object) -> str:
    """The matching key of a header (see the module docstring). Never raises; `None` → ""."""
    text = unicodedata.normalize("NFKC", "" if header is None else str(header)).translate(_FOLD)
    text = text.strip().lstrip("*").strip()
    return "".join(text.split()).lower()


# Money units a header may state: `罚款金额（万元）`, `罚没金额(元)`, `执行标的（单位：元）`,
# `金额（人民币元）` (matched on the normalised header, so brackets of either width).
AMOUNT_UNITS = ("万元", "元")
_UNIT_RE = re.compile(r"\((?:单位)?(?:人民币)?(万元|元)\)")


def stated_unit(header: object) -> str | None:
    """The money unit a header states in brackets (`万元` or `元`), or None when it states none."""
    found = _UNIT_RE.findall(normalise_header(header))
    return found[-1] if found else None


def without_unit(header: object) -> str | None:
    """The normalised header with its bracketed unit removed (`罚没金额(元)` → `罚没金额`), or None
    when it states no unit."""
    key = normalise_header(header)
    stripped = _UNIT_RE.sub("", key)
    return stripped if stripped != key and stripped else None
