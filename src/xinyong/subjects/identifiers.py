"""Identifier validation: USCC (统一社会信用代码, GB 32100-2015) and citizen ID (居民身份证号, GB 11643-1999).

python-stdnum does the check-character arithmetic; this module adds the normalisation departments
need (full-width characters, lower case, stray spaces) and bilingual reasons a clerk can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric, uscc

from xinyong import clock

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
        return IdCheck(
            raw, "uscc", None, f"长度应为18位，实为{len(code)}位", f"length must be 18, got {len(code)}"
        )
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    # GB 32100-2015 uses digits and capitals except I, O, Z, S, V. stdnum additionally demands
    # digits in the first two places, which rejects real registration codes such as Y1 / N2,
    # so only the check-character arithmetic is taken from it.
    if bad:
        chars = "".join(bad)
        return IdCheck(
            raw,
            "uscc",
            None,
            f"含非法字符 {chars}（不得含 I O Z S V）",
            f"illegal characters {chars} (I, O, Z, S, V are not used)",
        )
    if not code[2:8].isdigit():
        return IdCheck(
            raw,
            "uscc",
            None,
            "第3-8位应为行政区划代码（数字）",
            "characters 3-8 must be the administrative division code (digits)",
        )
    want = uscc.calc_check_digit(code[:17])
    if code[17] != want:
        # No hint at the "right" character: a registered code is what the registry issued, and
        # "correcting" it would name some other organisation (GB 32100 codes issued before the
        # check was enforced exist; an officer may accept one as irregular from quarantine).
        return IdCheck(
            raw,
            "uscc",
            None,
            "校验码不符合 GB 32100-2015（请核对登记证照，勿自行更改）",
            "the check character does not satisfy GB 32100-2015 (check the registration "
            "certificate; do not alter the code)",
        )
    return IdCheck(raw, "uscc", code)


# GB/T 2260 province-level codes (first two digits of a division code): 11–15, 21–23, 31–37,
# 41–46, 50–54, 61–65, 71 (台湾), 81 (香港), 82 (澳门). 83 is used only by the residence permits of
# Taiwan residents (港澳台居民居住证, 830000…), never by a citizen ID.
PROVINCES = frozenset(
    [
        *map(str, range(11, 16)),
        "21",
        "22",
        "23",
        *map(str, range(31, 38)),
        *map(str, range(41, 47)),
        *map(str, range(50, 55)),
        *map(str, range(61, 66)),
        "71",
        "81",
        "82",
    ]
)


def _today() -> dt.date:
    # A birth date is "not in the future" by the calendar in Beijing (xinyong.clock), not the UTC date:
    # after 16:00 UTC a child born today in Tianjin would otherwise be refused as born tomorrow.
    return clock.today()


def _gb11643_body(raw: str, code: str, kind: str, as_of: dt.date | None) -> IdCheck | None:
    """Structure, birth date (chars 7-14, not in the future) and check digit of an 18-character
    GB 11643 number; None when all hold, else the failing IdCheck."""
    if len(code) != 18:
        return IdCheck(
            raw, kind, None, f"长度应为18位，实为{len(code)}位", f"length must be 18, got {len(code)}"
        )
    if not code[:17].isdigit() or code[17] not in "0123456789X":
        return IdCheck(
            raw,
            kind,
            None,
            "格式错误（前17位应为数字，末位为数字或X）",
            "format error (17 digits, then a digit or X)",
        )
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return IdCheck(raw, kind, None, f"出生日期无效：{code[6:14]}", f"impossible birth date {code[6:14]}")
    if born > (as_of or _today()) or born.year < 1850:
        return IdCheck(
            raw, kind, None, f"出生日期不可能：{code[6:14]}", f"impossible birth date {code[6:14]}"
        )
    if code[17] != ric.calc_check_digit(code):
        return IdCheck(
            raw, kind, None, "校验码不符合 GB 11643-1999", "the check digit does not satisfy GB 11643-1999"
        )
    return None


def upgrade_citizen_id(code15: str) -> str:
    """A first-generation 15-digit ID (division 6, birth YYMMDD, sequence 3) as the 18-digit number
    it became: "19" inserted before the birth year and the GB 11643 check digit appended."""
    body = code15[:6] + "19" + code15[6:]
    return body + ric.calc_check_digit(body + "0")


def check_citizen_id(raw: str, as_of: dt.date | None = None) -> IdCheck:
    """A 居民身份证 number per GB 11643-1999: 18 characters (also the 15-digit first generation,
    returned upgraded to 18), a GB/T 2260 province-level code in chars 1-2, a birth date that exists
    and is not after `as_of` (default today), and the check digit.

    The county part of the address code is not checked against a table of division codes: numbers
    are never reissued, so a person keeps the code of a county that has since been renamed (宝坻县
    120224 → 宝坻区 120115), and a table's validity dates would reject real people. stdnum's
    `ric.validate` does that, so only its check-digit arithmetic is used.
    """
    code = clean_code(raw)
    if len(code) == 15 and code.isdigit():
        code = upgrade_citizen_id(code)
        if code[:2] not in PROVINCES:
            return IdCheck(
                raw,
                "citizen_id",
                None,
                f"省级行政区划代码 {code[:2]} 不存在（GB/T 2260）",
                f"no province-level division {code[:2]} (GB/T 2260)",
            )
        bad = _gb11643_body(raw, code, "citizen_id", as_of)
        return bad or IdCheck(raw, "citizen_id", code)
    if len(code) != 18:
        return IdCheck(
            raw,
            "citizen_id",
            None,
            f"长度应为18位（或第一代15位），实为{len(code)}位",
            f"length must be 18 (or 15, first generation), got {len(code)}",
        )
    if code[:2].isdigit() and code[:2] not in PROVINCES:
        return IdCheck(
            raw,
            "citizen_id",
            None,
            f"省级行政区划代码 {code[:2]} 不存在（GB/T 2260）",
            f"no province-level division {code[:2]} (GB/T 2260)",
        )
    bad = _gb11643_body(raw, code, "citizen_id", as_of)
    return bad or IdCheck(raw, "citizen_id", code)


# --- identity documents (证件类型 decides how 证件号码 is checked) -------------------------------


@dataclass(frozen=True)
class DocumentType:
    """An identity document a natural person may be identified by."""

    code: str  # stable id, also the subject-id namespace prefix (citizen IDs have none)
    label_zh: str
    label_en: str
    aliases: tuple[str, ...]  # 证件类型 spellings seen in files, incl. GA/T 517 codes (111, 414 …)
    rule_zh: str
    rule_en: str


DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType(
        "citizen_id",
        "居民身份证",
        "Resident identity card",
        (
            "居民身份证",
            "身份证",
            "二代身份证",
            "第二代居民身份证",
            "中华人民共和国居民身份证",
            "大陆居民身份证",
            "居民身份证号",
            "身份证号",
            "111",
            "01",
        ),
        "GB 11643-1999：18位（或第一代15位），省级代码、出生日期、校验码",
        "GB 11643-1999: 18 characters (or 15, first generation), province, birth date, check digit",
    ),
    DocumentType(
        "passport",
        "护照",
        "Passport",
        (
            "护照",
            "普通护照",
            "中国护照",
            "外国护照",
            "因公护照",
            "公务护照",
            "外交护照",
            "414",
            "411",
            "412",
            "413",
        ),
        "5至17位字母或数字",
        "5 to 17 letters or digits",
    ),
    DocumentType(
        "hk_macao_permit",
        "港澳居民来往内地通行证",
        "Mainland travel permit for HK and Macao residents",
        ("港澳居民来往内地通行证", "港澳居民往来内地通行证", "回乡证", "港澳同胞回乡证", "516"),
        "H或M开头，后接8位（旧版10位）数字",
        "H or M, then 8 digits (10 in the old form)",
    ),
    DocumentType(
        "taiwan_permit",
        "台湾居民来往大陆通行证",
        "Mainland travel permit for Taiwan residents",
        ("台湾居民来往大陆通行证", "台湾居民往来大陆通行证", "台胞证", "511"),
        "8位数字（旧版10位数字，可带一位字母）",
        "8 digits (old form: 10 digits, optionally one letter)",
    ),
    DocumentType(
        "foreign_pr",
        "外国人永久居留身份证",
        "Foreign permanent resident ID card",
        ("外国人永久居留身份证", "外国人永久居留证", "永久居留身份证", "外国人永久居留身份证件", "553"),
        "旧版15位：3位国籍字母+12位数字；2023版18位：9开头，出生日期与校验码同 GB 11643",
        "old form: 3 letters (nationality) + 12 digits; 2023 form: 18 characters starting 9, "
        "birth date and check digit as GB 11643",
    ),
    DocumentType(
        "hmt_residence_permit",
        "港澳台居民居住证",
        "Residence permit for HK, Macao and Taiwan residents",
        ("港澳台居民居住证", "港澳居民居住证", "台湾居民居住证", "居住证"),
        "18位，810000（香港）、820000（澳门）或830000（台湾）开头，出生日期与校验码同 GB 11643",
        "18 characters starting 810000 (HK), 820000 (Macao) or 830000 (Taiwan); birth date and "
        "check digit as GB 11643",
    ),
)
_DOC_BY_ALIAS = {
    unicodedata.normalize("NFKC", a).replace(" ", ""): d
    for d in DOCUMENT_TYPES
    for a in (d.code, d.label_zh, *d.aliases)
}
_PASSPORT = re.compile(r"^[A-Z0-9]{5,17}$")
_HK_MACAO = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TAIWAN = re.compile(r"^(\d{8}|\d{10}[A-Z]?)$")
_FOREIGN_PR_OLD = re.compile(r"^[A-Z]{3}\d{12}$")


def document_type(label: str | None) -> DocumentType | None:
    """The document type a 证件类型 cell names (label, alias or GA/T 517 code); None if unknown.
    An empty cell is None too — the caller decides what a missing type means."""
    if not label:
        return None
    key = unicodedata.normalize("NFKC", label).replace(" ", "").strip()
    return _DOC_BY_ALIAS.get(key) or _DOC_BY_ALIAS.get(key.removesuffix("号码").removesuffix("号"))


def check_document(doc: DocumentType, raw: str, as_of: dt.date | None = None) -> IdCheck:
    """Check a 证件号码 by its document type's rule (DOCUMENT_TYPES); `kind` of the result is the
    type's code; the value is normalised (upper case, no spaces; 15-digit IDs upgraded)."""
    if doc.code == "citizen_id":
        return check_citizen_id(raw, as_of)
    code = clean_code(raw).replace("(", "").replace(")", "")
    fail = IdCheck(
        raw,
        doc.code,
        None,
        f"不符合{doc.label_zh}号码格式（{doc.rule_zh}）",
        f"not a valid {doc.label_en} number ({doc.rule_en})",
    )
    if doc.code == "passport":
        return IdCheck(raw, doc.code, code) if _PASSPORT.match(code) else fail
    if doc.code == "hk_macao_permit":
        return IdCheck(raw, doc.code, code) if _HK_MACAO.match(code) else fail
    if doc.code == "taiwan_permit":
        return IdCheck(raw, doc.code, code) if _TAIWAN.match(code) else fail
    if doc.code == "foreign_pr":
        if _FOREIGN_PR_OLD.match(code):
            return IdCheck(raw, doc.code, code)
        if len(code) == 18 and code.startswith("9") and _gb11643_body(raw, code, doc.code, as_of) is None:
            return IdCheck(raw, doc.code, code)
        return fail
    if doc.code == "hmt_residence_permit":
        if code[:6] in {"810000", "820000", "830000"} and _gb11643_body(raw, code, doc.code, as_of) is None:
            return IdCheck(raw, doc.code, code)
        return fail
    return fail  # pragma: no cover - every DOCUMENT_TYPES code is handled above


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


# 复姓: compound surnames kept whole when masking (欧阳小明 → 欧阳*明, not 欧**明).
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "闾丘",
        "澹台",
        "公冶",
        "宗政",
        "濮阳",
        "淳于",
        "单于",
        "太叔",
        "申屠",
        "仲孙",
        "万俟",
        "赫连",
        "端木",
        "南宫",
        "西门",
        "独孤",
        "呼延",
        "拓跋",
        "百里",
        "东郭",
        "公羊",
        "司空",
        "第五",
        "左丘",
        "漆雕",
        "乐正",
        "壤驷",
        "公良",
        "夹谷",
        "宰父",
        "谷梁",
        "段干",
        "巫马",
        "公西",
        "颛孙",
        "亓官",
        "司寇",
        "子车",
        "微生",
        "梁丘",
        "羊舌",
        "鲜于",
        "闻人",
        "东门",
        "万俟",
    ]
)
_NAME_DOTS = "·・•‧.．"


def _mask_part(name: str) -> str:
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_name(name: str) -> str:
    """A natural person's name on public pages.

    张三 → 张*; 张小明 → 张*明; 阿不都热依木 → 阿****木 (first and last kept); compound surnames kept
    whole: 欧阳小明 → 欧阳*明, 欧阳明 → 欧阳*; a middle dot (Uyghur and other transliterated
    names) is kept and each part masked: 买买提·艾力 → 买*提·艾*; Latin names keep each word's
    initial: JOHN SMITH → J*** S****."""
    name = name.strip()
    if any(d in name for d in _NAME_DOTS):
        parts = re.split("([" + re.escape(_NAME_DOTS) + "])", name)
        return "".join(p if p in _NAME_DOTS else _mask_part(p) if p else "" for p in parts)
    if re.fullmatch(r"[A-Za-z][A-Za-z .'-]*", name):
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        given = name[2:]
        return name[:2] + ("*" if len(given) == 1 else "*" * (len(given) - 1) + given[-1])
    return _mask_part(name)


def mask_id_number(code: str) -> str:
    """120101********1234: keep the division code and the last four."""
    if len(code) < 10:
        return "*" * len(code)
    return code[:6] + "*" * (len(code) - 10) + code[-4:]
