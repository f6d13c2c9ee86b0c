"""Italian codice fiscale (also on the tessera sanitaria): 16 characters, surname/name letters,
birth year, month letter, day (+40 for women), place code, and a check letter from the odd/even
tables of DM 23/12/1976. Digits may be replaced by letters (omocodia). Its shape and check letter
make chance rare: counted alone (MID), HIGH with context."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, alnum_upper
from phiscope.detect.identifiers.unit import (
    HIGH,
    LETTER,
    MID,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    simple_check,
)
from phiscope.detect.mask import mask_keep_last

_D = "[0-9LMNPQRSTUV]"  # a digit, or its omocodia letter
CF_BODY = rf"[A-Z]{{5}}{_D}{{2}}[A-EHLMPR-T]{_D}{{2}}[A-Z]{_D}{{3}}[A-Z]"  # after the first letter
_ODD = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)


def _value(ch: str, odd: bool) -> int:
    i = int(ch) if ch.isdigit() else ord(ch) - 65
    return _ODD[i] if odd else i


def cf_check(body15: str) -> str:
    """Check letter of the first 15 characters (positions 1, 3, 5... use the odd table)."""
    total = sum(_value(ch, i % 2 == 0) for i, ch in enumerate(body15))
    return chr(65 + total % 26)


def is_valid_cf(raw: str) -> bool:
    v = alnum_upper(raw)
    if len(v) != 16 or not v[:6].isalpha():
        return False
    return cf_check(v[:15]) == v[15]


def _claim(c: Candidate) -> Claimed | None:
    if is_valid_cf(c.raw):
        return c.upper, HIGH if "IT_CF" in c.context() else MID
    return None


CF = Kind(
    "IT_CF",
    "identity",
    alnum_upper,
    lambda r: mask_keep_last(r, 2),
    True,
    ("codice fiscale", "cod. fiscale", "c.f.", "cf", "tessera sanitaria", "codice"),
)
IDENTIFIER = Identifier(
    CF,
    jurisdiction="IT",
    fragments=(Fragment("it_cf", CF_BODY, LETTER, 50),),
    shapes=(Shape("it_cf", _claim),),
    value_check=simple_check(CF, is_valid_cf),
    headers=r"codice fiscale|cod fiscale|codicefiscale|cf|tessera sanitaria",
    header_priority=310,
)
