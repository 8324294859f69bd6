"""Masking of personal data (个人信息) in structured fields and free text.

The disclosure policy (policy.py) decides *whether* a viewer sees personal data; this module says
*how* it is hidden when not:

* names of natural persons: 张三 → 张*, 张小明 → 张*明, compound surnames keep the surname
  (欧阳小明 → 欧阳*明), names with a middle dot are masked part by part (买买提·艾力 → 买*提·艾*),
  long names keep first and last character (阿不都热依木 → 阿****木), Latin names keep each
  word's initial (JOHN SMITH → J*** S****) — `xinyong.subjects.identifiers.mask_name`;
* ID numbers: 18- and 15-digit citizen IDs (and the 18-character residence permits and 2023
  foreign permanent resident cards, which share the layout) keep the division code and the last
  four (120101********1234); passports, HK/Macao and Taiwan permits, old foreign resident cards keep
  the first and last two characters (E1*****78);
* telephone numbers: mobiles 138****5678 (also written 138-1234-5678, +86 138 1234 5678),
  landlines with an area code 022-****5678, and 7-8 digit landlines after a phone word (电话, 联系方式,
  Tel …) ****5678.

Structured fields are recognised by key: catalogue field names and every header the catalogue
knows for a personal field (`personal: true`), plus common raw column names (PERSON_*_KEYS).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from stdnum.cn import ric

from xinyong.catalogue.headers import normalise_header
from xinyong.subjects.identifiers import check_uscc, mask_id_number, mask_name

# Field names (catalogue fields and raw source columns) that hold a person's name or ID number.
PERSON_NAME_KEYS = frozenset(
    {
        "legal_rep",
        "legal_representative",
        "person_name",
        "party_name",
        "operator",
        "operator_name",
        "contact",
        "contact_name",
        "responsible_person",
        "principal",
        "patient",
        "patient_name",
        "subject_name",
        "counterparty",
        "姓名",
        "行政相对人名称",
        "法定代表人",
        "法人代表",
        "负责人",
        "经营者",
        "经营者姓名",
        "当事人",
        "当事人姓名",
        "联系人",
        "投资人",
        "患者",
        "患者姓名",
        "户主",
    }
)
PERSON_ID_KEYS = frozenset(
    {
        "id_number",
        "citizen_id",
        "person_id_number",
        "legal_rep_id",
        "legal_rep_id_number",
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "证件号码",
        "法定代表人证件号码",
        "法定代表人身份证号",
    }
)
PHONE_KEYS = frozenset(
    {"phone", "mobile", "telephone", "contact_phone", "电话", "手机", "联系电话", "手机号"}
)

# 18-character GB 11643 layout: 6-digit division, a plausible birth date, 3 digits, check digit/X.
_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])(\d{6})((?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"
    r"(\d{3}[0-9Xx])(?![0-9A-Za-z])"
)
# First-generation 15-digit citizen ID: 6-digit division, YYMMDD, 3 digits.
_ID15_RE = re.compile(
    r"(?<![0-9A-Za-z])\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])"
)
# Passports (E/G/D/S/P + 8 digits, EA1234567), HK/Macao permits (H/M + 8 or 10 digits), old foreign
# permanent resident cards (3 letters + 12 digits).
_DOC_RE = re.compile(
    r"(?<![0-9A-Za-z])(?:[EGDSPHMegdsphm]\d{8}(?:\d{2})?|[Ee][A-Za-z]\d{7}|[A-Za-z]{3}\d{12})(?![0-9A-Za-z])"
)
_CODE_RE = re.compile(r"[0-9A-Za-z]{7,}")
_MOBILE_RE = re.compile(r"(?<![\d])(?:(?:\+|00)86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_LANDLINE_RE = re.compile(r"(?<![\d])(0\d{2,3})(\s*[-－—)）]\s*|\s)(\d{3,4})[ -]?(\d{4})(?!\d)")
_LOCAL_PHONE_RE = re.compile(
    r"((?:电话|联系方式|座机|固话|Tel|TEL|tel)\s*[:：]?\s*)(\d{3,4})[ -]?(\d{4})(?!\d)"
)

# Words that make a value under a name key an organisation, not a person.
_ORG_WORDS = (
    "公司",
    "店",
    "厂",
    "中心",
    "局",
    "委",
    "社",
    "馆",
    "集团",
    "银行",
    "医院",
    "学校",
    "协会",
    "事务所",
    "研究院",
    "商行",
    "门市",
    "经营部",
    "工作室",
    "超市",
    "诊所",
    "药房",
    "酒店",
    "宾馆",
    "餐厅",
    "饭店",
    "政府",
    "办事处",
)
_NAME_DOTS = "·・•‧.．"


def _keep_as_uscc(code: str) -> bool:
    """An all-digit code that is a valid USCC and not a valid citizen ID is an enterprise's public
    code. When it is valid as both, mask it: hiding a firm's code is harmless, leaking a person's
    ID is not. Only the citizen ID's check digit is consulted (python-stdnum's full validation also
    rejects birth places missing from its table, and such an ID must still be masked)."""
    return check_uscc(code).valid and ric.calc_check_digit(code.upper()) != code[-1].upper()


def mask_document_number(code: str) -> str:
    """A passport or permit number: first and last two characters kept (E1*****78)."""
    if len(code) <= 4:
        return "*" * len(code)
    return code[:2] + "*" * (len(code) - 4) + code[-2:]


def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """Mask ID numbers, telephone numbers and the given secrets wherever they occur in `text`.

    `names` are the subject's known secrets: person names (→ 张*明) and its own ID numbers
    (→ 120101********1234). They are replaced literally first, so they are caught even where the
    patterns cannot see them (an ID glued to other digits); then any other ID or phone number."""
    out = text
    # Longest first, so 欧阳小明 is masked before a shorter name contained in it.
    for secret in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        out = out.replace(secret, mask_id_number(secret) if _CODE_RE.fullmatch(secret) else mask_name(secret))

    def _id(m: re.Match[str]) -> str:
        code = m.group(0)
        return code if _keep_as_uscc(code) else mask_id_number(code.upper())

    out = _ID_RE.sub(_id, out)
    out = _ID15_RE.sub(lambda m: mask_id_number(m.group(0)), out)
    out = _DOC_RE.sub(lambda m: mask_document_number(m.group(0)), out)
    out = _MOBILE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)
    out = _LANDLINE_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}****{m.group(4)}", out)
    return _LOCAL_PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", out)


@lru_cache(maxsize=1)
def _catalogue_personal_keys() -> tuple[frozenset[str], frozenset[str]]:
    """(normalised headers of personal code fields, of personal name fields) over every kind."""
    from xinyong.catalogue.service import load_catalogue

    ids: set[str] = set()
    names: set[str] = set()
    for spec in load_catalogue().kinds.values():
        for f in spec.fields:
            if not f.personal:
                continue
            target = ids if f.type == "code" else names
            target.update(normalise_header(h) for h in (f.name, f.label_zh, *f.aliases))
    return frozenset(ids), frozenset(names)


def _key_class(key: str | None) -> str | None:
    """ "id", "phone", "name" or None for a field name / raw header."""
    if key is None:
        return None
    if key in PERSON_ID_KEYS:
        return "id"
    if key in PHONE_KEYS:
        return "phone"
    if key in PERSON_NAME_KEYS:
        return "name"
    ids, names = _catalogue_personal_keys()
    norm = normalise_header(key)
    if norm in ids:
        return "id"
    if norm in names:
        return "name"
    return None


def mask_value(key: str | None, value: Any, names: Iterable[str] = ()) -> Any:
    """Mask one value of a record's fields/original, recursing into lists and mappings."""
    names = tuple(names)
    if isinstance(value, Mapping):
        return {k: mask_value(str(k), v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(key, v, names) for v in value]
    if not isinstance(value, str):
        return value
    v = value.strip()
    kind = _key_class(key)
    if kind in ("id", "phone"):
        # Keep the shape (division code / prefix and last four) only of a well-formed code; anything
        # else under such a key (a name typed in the wrong column, a note) is hidden whole.
        if not _CODE_RE.fullmatch(v):
            return "*" * len(v)
        if kind == "id":
            return mask_id_number(v) if v[:6].isdigit() else mask_document_number(v)
        return v[:3] + "*" * (len(v) - 7) + v[-4:]
    if kind == "name":
        # A name field may hold a company (法定代表人 is always a person; 当事人 may be a firm).
        return mask_name(v) if looks_like_person_name(v) else mask_text(value, names)
    return mask_text(value, names)


def looks_like_person_name(value: str) -> bool:
    """A natural person's name rather than an organisation's: no organisation word, and 2-4 Chinese
    characters, or a name with a middle dot (买买提·艾力), or up to 10 characters of one script
    (long minority names written without the dot), or Latin words (JOHN SMITH)."""
    v = value.strip()
    if len(v) < 2 or any(w in v for w in _ORG_WORDS):
        return False
    if len(v) <= 4 or any(d in v for d in _NAME_DOTS):
        return len(v) <= 30
    if re.fullmatch(r"[A-Za-z][A-Za-z .'-]{1,40}", v):
        return True
    return len(v) <= 10 and all("\u4e00" <= c <= "\u9fff" for c in v)


_looks_like_person_name = looks_like_person_name  # the name policy.py used before the move
