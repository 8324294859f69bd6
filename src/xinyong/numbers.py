"""Whole numbers people type (整数输入): one reading for every form field, API string and CLI option that
takes a count, basis points, months or an amount in fen or points.

Accepted: ASCII or full-width digits (a Chinese input method types ``１２``), spaces around, one leading
minus (``-`` or ``－``), at most 18 digits. Anything else is not a whole number and `whole_number`
returns None, so the caller refuses it in its own words, naming its field. That includes ``12.5``,
``1e3``, ``²`` (a digit to `str.isdigit`, not to `int`: it used to reach `int()` and answer 500) and
thousands of nines (beyond `int()`'s 4,300-digit limit, also a 500 before).
"""

from __future__ import annotations

import re

_FULL_WIDTH = str.maketrans("０１２３４５６７８９－", "0123456789-")
_WHOLE = re.compile(r"-?[0-9]{1,18}")


def whole_number(value: object) -> int | None:
    """`value` as an int when it is one or is text of one (see the module), else None. Booleans and
    floats are not whole numbers here (a float in a form is a mistake, not a count)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return None
    plain = value.translate(_FULL_WIDTH).strip()
    return int(plain) if _WHOLE.fullmatch(plain) else None
