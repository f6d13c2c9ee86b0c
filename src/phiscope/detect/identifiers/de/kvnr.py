"""German Krankenversichertennummer (KVNR, the 10-character lifelong part): a letter, 8 digits and
a check digit. The letter becomes two digits (A=01 ... Z=26); the 10 digits are weighted 1,2,1,2...,
products above 9 replaced by their digit sum, and the sum mod 10 is the check digit (§ 290 SGB V,
GKV-Spitzenverband). Letter-led, so a shape of the letter pass; only with context."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, alnum_upper
from phiscope.detect.identifiers.unit import (
    HIGH,
    LETTER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    simple_check,
)
from phiscope.detect.mask import mask_keep_last

KVNR_CONTEXT = (
    "kvnr",
    "krankenversichertennummer",
    "versichertennummer",
    "versicherten-id",
    "krankenversicherung",
    "krankenkasse",
    "kvid",
    "egk",
)


def kvnr_check(body9: str) -> int:
    """Check digit of a letter + 8 digits."""
    n = f"{ord(body9[0]) - 64:02d}" + body9[1:]
    total = 0
    for i, ch in enumerate(n):
        p = int(ch) * (1 if i % 2 == 0 else 2)
        total += p - 9 if p > 9 else p
    return total % 10


def is_valid_kvnr(raw: str) -> bool:
    v = alnum_upper(raw)
    return len(v) == 10 and "A" <= v[0] <= "Z" and v[1:].isdigit() and kvnr_check(v[:9]) == int(v[9])


def _claim(c: Candidate) -> Claimed | None:
    return (c.upper, HIGH) if "DE_KVNR" in c.context() and is_valid_kvnr(c.raw) else None


KVNR = Kind("DE_KVNR", "identity", alnum_upper, lambda r: mask_keep_last(r, 3), True, KVNR_CONTEXT)
IDENTIFIER = Identifier(
    KVNR,
    jurisdiction="DE",
    fragments=(Fragment("kvnr", r"\d{9}", LETTER, 25),),
    shapes=(Shape("kvnr", _claim),),
    value_check=simple_check(KVNR, is_valid_kvnr),
    headers=r"kvnr|kvid|(?:kranken)?versichertennummer|versicherten ?id|krankenversicherungsnummer",
    header_priority=280,
)
