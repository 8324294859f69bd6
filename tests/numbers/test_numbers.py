"""Whole numbers as people type them (xinyong.numbers): what a count, basis points or fen field accepts.
Expected values by hand; the property compares with Python's own int() on plain ASCII text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.books import service as books
from xinyong.numbers import whole_number

FULL = str.maketrans("0123456789-", "０１２３４５６７８９－")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12", 12), (" 12 ", 12), ("-3", -3), ("007", 7), ("１２", 12), ("－３", -3), (" ３０ ", 30), (5, 5),
        ("12.5", None), ("1e3", None), ("+5", None), ("1 2", None), ("", None), ("  ", None), ("-", None),
        ("²", None), ("١٢", None), ("9" * 19, None), ("9" * 5000, None), ("十二", None),
        (True, None), (3.0, None), (None, None),
    ],
)  # fmt: skip
def test_by_hand(typed, expected):
    assert whole_number(typed) == expected


@given(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1))
def test_every_int_of_up_to_18_digits_reads_back_ascii_and_full_width(n):
    assert whole_number(str(n)) == n
    assert whole_number(f"  {str(n).translate(FULL)} ") == n


@given(st.text(max_size=30))
def test_any_text_is_a_number_or_none_and_never_raises(text):
    got = whole_number(text)
    plain = text.strip()
    if got is not None:
        assert isinstance(got, int) and abs(got) < 10**18
    if plain.isascii() and plain.lstrip("-").isdigit() and plain.count("-") <= 1 and len(plain) <= 18:
        assert got == int(plain)


@pytest.mark.parametrize("typed", ["²", "9" * 5000, "１.５"])
def test_a_books_amount_refuses_them_with_a_short_message(typed):
    with pytest.raises(books.AmountError) as err:
        books.check_amount(typed, "quantity")
    assert err.value.field == "quantity" and len(err.value.zh) < 80 and len(err.value.en) < 100
