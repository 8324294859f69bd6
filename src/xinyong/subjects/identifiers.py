"""Identifier validation: USCC (统一社会信用代码, GB 32100-2015) and citizen ID (居民身份证号, GB 11643-1999).

python-stdnum does the check-character arithmetic; this module adds the normalisation departments
need (full-width characters, lower case, stray spaces) and bilingual reasons a clerk can act on.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric, uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class IdCheck:
    """Outcome of checking one identifier."""

    raw: str
    kind: str  # "uscc" | "citizen_id" | "unknown"
    value: str | None  # normalised, when valid
    reason_zh: str | None = None
    reason_en: str | None = None

    @property
    def valid(self) -> bool:
        return self.value is not None

    @property
    def division_code(self) -> str | None:
        """Administrative division (行政区划) code: USCC chars 3-8, citizen ID chars 1-6."""
        if not self.value:
            return None
        return self.value[2:8] if self.kind == "uscc" else self.value[:6]

    def reason(self) -> str:
        return f"{self.reason_zh} / {self.reason_en}" if self.reason_zh else ""


def to_halfwidth(text: str) -> str:
    """Full-width digits/letters (１２０ＡＢＣ) and ideographic spaces become ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def clean_code(text: str) -> str:
    return "".join(to_halfwidth(text).split()).upper()


def check_uscc(raw: str) -> IdCheck:
    code = clean_code(raw)
    if len(code) != 18:
        return IdCheck(raw, "uscc", None, f"长度应为18位，实为{len(code)}位", f"length must be 18, got {len(code)}")
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    # GB 32100-2015 uses digits and capitals except I, O, Z, S, V. stdnum additionally demands
    # digits in the first two places, which rejects real registration codes such as Y1 / N2,
    # so only the check-character arithmetic is taken from it.
    if bad:
        chars = "".join(bad)
        return IdCheck(raw, "uscc", None, f"含非法字符 {chars}（不得含 I O Z S V）",
                       f"illegal characters {chars} (I, O, Z, S, V are not used)")
    if not code[2:8].isdigit():
        return IdCheck(raw, "uscc", None, "第3-8位应为行政区划代码（数字）",
                       "characters 3-8 must be the administrative division code (digits)")
    want = uscc.calc_check_digit(code[:17])
    if code[17] != want:
        # No hint at the "right" character: a registered code is what the registry issued, and
        # "correcting" it would name some other organisation (GB 32100 codes issued before the
        # check was enforced exist; an officer may accept one as irregular from quarantine).
        return IdCheck(raw, "uscc", None, "校验码不符合 GB 32100-2015（请核对登记证照，勿自行更改）",
                       "the check character does not satisfy GB 32100-2015 (check the registration "
                       "certificate; do not alter the code)")
    return IdCheck(raw, "uscc", code)


def check_citizen_id(raw: str) -> IdCheck:
    """Structure, birth date and check digit per GB 11643-1999.

    The address code is not checked against a table of division codes: numbers are never reissued,
    so a person keeps the code of a county that has since been renamed (宝坻县 120224 → 宝坻区 120115),
    and a table's validity dates would reject real people. stdnum's `ric.validate` does that, so only
    its check-digit arithmetic is used.
    """
    code = clean_code(raw)
    if len(code) != 18:
        return IdCheck(raw, "citizen_id", None, f"长度应为18位，实为{len(code)}位",
                       f"length must be 18, got {len(code)}")
    if not code[:17].isdigit() or code[17] not in "0123456789X":
        return IdCheck(raw, "citizen_id", None, "格式错误（前17位应为数字，末位为数字或X）",
                       "format error (17 digits, then a digit or X)")
    try:
        dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return IdCheck(raw, "citizen_id", None, f"出生日期无效：{code[6:14]}", f"impossible birth date {code[6:14]}")
    want = ric.calc_check_digit(code)
    if code[17] != want:
        return IdCheck(raw, "citizen_id", None, "校验码不符合 GB 11643-1999", "the check digit does not satisfy GB 11643-1999")
    return IdCheck(raw, "citizen_id", code)


def looks_like_citizen_id(code: str) -> bool:
    """17 digits, then a digit or X, with a plausible birth year in chars 7-10.

    The birth date itself is checked later so that "1949-13-31" is reported as an impossible
    date rather than as a USCC with a wrong check character.
    """
    if len(code) != 18 or not code[:17].isdigit() or code[17] not in "0123456789X":
        return False
    return 1850 <= int(code[6:10]) <= 2100


def check_any(raw: str) -> IdCheck:
    """Classify and check: 18 digits with a birth date → citizen ID, otherwise USCC."""
    code = clean_code(raw)
    if not code:
        return IdCheck(raw, "unknown", None, "代码为空", "code is empty")
    if looks_like_citizen_id(code):
        person = check_citizen_id(code)
        if person.valid:
            return person
        # An all-digit USCC can look like an ID number; accept it if its own check holds.
        org = check_uscc(code)
        return org if org.valid else person
    return check_uscc(code)


def make_uscc(body17: str) -> str:
    """Append the GB 32100-2015 check character (used by the demo generator and tests)."""
    return body17 + uscc.calc_check_digit(body17)


def make_citizen_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明 (personal names on public pages)."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(code: str) -> str:
    """120101********1234: keep the division code and the last four."""
    if len(code) < 10:
        return "*" * len(code)
    return code[:6] + "*" * (len(code) - 10) + code[-4:]
