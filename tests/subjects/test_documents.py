"""Identity documents by 证件类型, GB/T 2260 province codes, birth dates, `check-id` and name masking.

Check digits are computed here by a second implementation of GB 11643-1999 (weights 2^(17-i) mod 11,
check = "10X98765432"[sum mod 11]), not by the code under test."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.subjects.identifiers import check_any, check_citizen_id, check_document, document_type, mask_name

WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
PROVINCES = [
    11,
    12,
    13,
    14,
    15,
    21,
    22,
    23,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    41,
    42,
    43,
    44,
    45,
    46,
    50,
    51,
    52,
    53,
    54,
    61,
    62,
    63,
    64,
    65,
    71,
    81,
    82,
]  # GB/T 2260, written out by hand


def gb11643(body17: str) -> str:
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, WEIGHTS, strict=True)) % 11]


@given(st.integers(10, 99), st.dates(dt.date(1930, 1, 1), dt.date(2010, 12, 31)), st.integers(0, 999))
def test_citizen_id_needs_a_real_province(prov, born, seq):
    code = gb11643(f"{prov}0101{born:%Y%m%d}{seq:03d}")
    assert check_citizen_id(code).valid == (prov in PROVINCES)


def test_birth_date_not_in_the_future():
    code = gb11643("12010120300101123")
    assert not check_citizen_id(code, as_of=dt.date(2026, 11, 30)).valid
    assert check_citizen_id(code, as_of=dt.date(2031, 1, 1)).valid


def test_without_as_of_the_future_begins_after_today_in_beijing(monkeypatch):
    # 2020-01-01 17:00 UTC is 2020-01-02 01:00 in Beijing: a child born on the 2nd is born "today"
    from xinyong import clock

    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2020, 1, 1, 17, 0, tzinfo=dt.UTC))
    assert check_citizen_id(gb11643("12010120200102123")).valid
    assert not check_citizen_id(gb11643("12010120200103123")).valid


def test_first_generation_15_digit_id_is_upgraded():
    assert check_citizen_id("120101880817003").value == gb11643("12010119880817003")


def test_83_is_a_taiwan_residence_permit_not_a_citizen_id():
    code = gb11643("83000019900101123")
    assert not check_citizen_id(code).valid
    assert check_document(document_type("港澳台居民居住证"), code).valid
    assert not check_document(document_type("港澳台居民居住证"), gb11643("12010119900101123")).valid


@pytest.mark.parametrize(
    "label,number,ok",
    [
        ("护照", "E12345678", True),
        ("普通护照", "ea1234567", True),
        ("护照", "E12", False),
        ("414", "G12345678", True),
        ("港澳居民来往内地通行证", "H12345678", True),
        ("回乡证", "M1234567890", True),
        ("港澳居民来往内地通行证", "H1234567", False),
        ("港澳居民来往内地通行证", "E12345678", False),
        ("台湾居民来往大陆通行证", "12345678", True),
        ("台胞证", "1234567890B", True),
        ("台胞证", "1234567", False),
        ("外国人永久居留身份证", "USA110179123451", True),
        ("外国人永久居留身份证", "US1101791234511", False),
        ("外国人永久居留身份证", gb11643("93384019900101123"), True),
        ("外国人永久居留身份证", gb11643("93384019900101123")[:-1] + "0", False),
        ("居民身份证", gb11643("12010219880817003").lower(), True),
        ("身份证", "120102198808170031", False),
    ],
)
def test_each_document_type_has_its_own_rule(label, number, ok):
    doc = document_type(label)
    assert doc is not None
    assert check_document(doc, number).valid == ok


def test_unknown_document_type_is_none():
    assert document_type("军官证") is None and document_type("") is None


def test_check_id_recognises_an_all_digit_uscc_and_rejects_a_bad_province():
    # an individual business's all-digit code (starts 92: no province) whose chars 7-14 read as a date
    from stdnum.cn import uscc

    body = "92120101199001011"
    all_digit = body + uscc.calc_check_digit(body)
    assert all_digit.isdigit()  # 921201011990010114: the check character is a digit too
    assert check_any(all_digit).kind == "uscc" and check_any(all_digit).valid
    runner = CliRunner()
    out = runner.invoke(app, ["check-id", all_digit, gb11643("99010119900101123")])
    assert out.exit_code == 1
    first, second = out.output.splitlines()
    assert first.split("\t")[1:3] == ["valid", "uscc"] and "GB/T 2260" in second


@pytest.mark.parametrize(
    "name,masked",
    [
        ("张三", "张*"),
        ("张小明", "张*明"),
        ("欧阳小明", "欧阳*明"),
        ("欧阳明", "欧阳*"),
        ("司马相如", "司马*如"),
        ("诸葛亮", "诸葛*"),
        ("买买提·艾力", "买*提·艾*"),
        ("阿依古丽·买买提", "阿**丽·买*提"),
        ("阿不都热依木", "阿****木"),
        ("JOHN SMITH", "J*** S****"),
    ],
)
def test_masking_fits_real_names(name, masked):
    assert mask_name(name) == masked
