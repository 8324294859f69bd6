"""Valid, unique, deterministic identifiers for demo subjects.

Uniqueness is by construction, not by luck: the n-th subject of a (district, code family) gets
the n-th value of a keyed pseudo-random permutation (a small Feistel network with cycle walking),
so a million subjects never collide and need no "seen" set in memory, yet consecutive subjects do
not get consecutive-looking codes.

- USCC (统一社会信用代码, GB 32100-2015): registration department + category (91 enterprise,
  92 individual business, 11 government body, 12 public institution, 52 private non-enterprise
  unit, 54 village committee), the district's division code, a GB 11714 organisation code with its
  own check character, and the GB 32100 check character (`make_uscc`).
- Citizen ID (居民身份证号, GB 11643-1999): division code, birth date, sequence (odd = male) and
  the check digit (`make_citizen_id`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from xinyong.subjects.identifiers import make_citizen_id, make_uscc

# GB 11714-1997 organisation-code alphabet as used inside a USCC (no I, O, Z, S, V).
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class Permutation:
    """A keyed bijection of range(size): 4-round Feistel on the next power of four, with cycle
    walking so every output stays inside the range."""

    def __init__(self, size: int, key: str) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self.size = size
        bits = max(2, (size - 1).bit_length())
        self.half = (bits + 1) // 2
        self.mask = (1 << self.half) - 1
        self.key = key.encode()

    def _round(self, r: int, value: int) -> int:
        digest = hashlib.blake2b(
            value.to_bytes(8, "big"), key=self.key[:64], digest_size=8, person=bytes([r]) * 16
        ).digest()
        return int.from_bytes(digest, "big") & self.mask

    def _encrypt(self, n: int) -> int:
        left, right = n >> self.half, n & self.mask
        for r in range(4):
            left, right = right, left ^ self._round(r, right)
        return (left << self.half) | right

    def __call__(self, n: int) -> int:
        if not 0 <= n < self.size:
            raise ValueError(f"{n} outside 0..{self.size - 1}")
        value = self._encrypt(n)
        while value >= self.size:  # cycle walking: terminates because _encrypt is a bijection
            value = self._encrypt(value)
        return value


def org_code_check(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation-code body."""
    total = sum(_value(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - 55  # A=10 … per GB 11714


def _base(n: int, alphabet: str, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, len(alphabet))
        out.append(alphabet[r])
    return "".join(reversed(out))


# New registrations (since the 2015 reform) get "MA" + 6 characters; older ones 8 digits.
_NEW_SPACE = 31**6
_OLD_SPACE = 10**8


class CodeMaker:
    """Hands out unique USCCs and citizen IDs for one district and one seed."""

    def __init__(self, seed: int, district_code: str, key: str = "subjects") -> None:
        self.district = district_code
        key = f"{seed}:{district_code}:{key}"
        self._new = Permutation(_NEW_SPACE, key + ":new")
        self._old = Permutation(_OLD_SPACE, key + ":old")
        # Birth dates 1945-01-01 .. 2005-12-31, 500 sequence numbers a day per sex bit.
        self._birth_start = dt.date(1945, 1, 1)
        self._birth_days = (dt.date(2005, 12, 31) - self._birth_start).days + 1
        self._persons = Permutation(self._birth_days * 500, key + ":person")
        self._counters: dict[str, int] = {}

    def _next(self, family: str) -> int:
        n = self._counters.get(family, 0)
        self._counters[family] = n + 1
        return n

    def org_code(self, new_style: bool) -> str:
        if new_style:
            body = "MA" + _base(self._new(self._next("new")), _ORG_ALPHABET, 6)
        else:
            body = _base(self._old(self._next("old")), "0123456789", 8)
        return body + org_code_check(body)

    def uscc(self, prefix: str, new_style: bool = True) -> str:
        """prefix = registration department + category, e.g. "91" (enterprise)."""
        return make_uscc(prefix + self.district + self.org_code(new_style))

    def citizen_id(
        self, female: bool, division_for: Callable[[int], str] | None = None
    ) -> tuple[str, dt.date]:
        """A unique valid ID in this district; returns (id, birth date). `division_for(birth year)`
        gives the code an ID of that year carries (a former county code before the district existed)."""
        slot = self._persons(self._next("person"))
        day, seq = divmod(slot, 500)
        birth = self._birth_start + dt.timedelta(days=day)
        order = seq * 2 + (0 if female else 1)  # GB 11643: odd sequence = male
        division = division_for(birth.year) if division_for else self.district
        return make_citizen_id(f"{division}{birth:%Y%m%d}{order:03d}"), birth
