"""USCC (GB 32100-2015) and citizen ID (GB 11643-1999) checks, and `xinyong check-id`."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.subjects.identifiers import (
    USCC_ALPHABET,
    check_any,
    check_citizen_id,
    check_uscc,
    make_citizen_id,
    make_uscc,
    mask_id_number,
    mask_name,
)

BODY_CHARS = st.sampled_from(USCC_ALPHABET)
uscc_bodies = st.builds(
    lambda head, div, org: head + div + org,
    st.sampled_from(["91", "92", "11", "12", "51", "52", "53", "54", "55", "Y1"]),
    st.sampled_from(["120101", "120103", "120116", "120119"]),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


def _weights_check(body17: str) -> str:
    """GB 32100-2015 check character, written out from the standard (independent of stdnum)."""
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, weights, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


@given(uscc_bodies)
def test_generated_uscc_is_valid_and_matches_the_standard(body):
    code = make_uscc(body)
    assert code[-1] == _weights_check(body)
    assert check_uscc(code).valid


@given(uscc_bodies, st.data())
def test_any_other_check_character_is_rejected_without_a_correction(body, data):
    good = make_uscc(body)
    wrong = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != good[-1]]))
    result = check_uscc(body + wrong)
    assert not result.valid
    # a registered code is never "corrected": the reason names the standard, not another code
    assert "GB 32100" in result.reason_zh and good not in result.reason_zh + result.reason_en


def test_full_width_lower_case_and_spaces_are_normalised():
    code = make_uscc("91120101MA05ABCD1")
    full = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())  # ９１１２… full-width lower case
    result = check_uscc(" " + full[:6] + "\u3000" + full[6:])
    assert result.valid and result.value == code
    assert result.division_code == "120101"


def test_letters_outside_the_alphabet_are_named():
    body = "91120101MA05ABCD1"
    bad = body[:10] + "O" + body[11:] + "0"
    result = check_uscc(bad)
    assert not result.valid and "O" in result.reason_en


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)), st.integers(0, 999))
def test_citizen_ids_check_digit_and_birth_date(birth, seq):
    body = f"120104{birth:%Y%m%d}{seq:03d}"
    code = make_citizen_id(body)
    assert check_citizen_id(code).valid
    assert check_any(code).kind == "citizen_id"
    wrong = "X" if code[-1] != "X" else "0"
    assert not check_citizen_id(body + wrong).valid


def test_impossible_birth_date_is_reported_as_such():
    result = check_any("110105194913310021")
    assert not result.valid and "birth date" in result.reason_en


def test_masking_keeps_only_what_the_public_may_see():
    assert mask_name("张小明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_id_number("120101199001011234") == "120101********1234"


def test_check_id_cli_exit_code_and_lines():
    good = make_uscc("91120103MA05ABCD1")
    runner = CliRunner()
    ok = runner.invoke(app, ["check-id", good, make_citizen_id("12010419900101123")])
    assert ok.exit_code == 0
    assert [line.split("\t")[1] for line in ok.output.splitlines()] == ["valid", "valid"]
    bad = runner.invoke(app, ["check-id", good, good[:-1] + ("0" if good[-1] != "0" else "1")])
    assert bad.exit_code == 1
    lines = bad.output.splitlines()
    assert lines[0].split("\t")[1] == "valid" and lines[1].split("\t")[1].startswith("invalid: ")
