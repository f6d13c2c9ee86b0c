"""Austrian Sozialversicherungsnummer (SVNR): 3-digit serial (not starting 0), a check digit, and
the birth date DDMMYY; the check digit is the sum of the other nine weighted 3,7,9,5,8,4,2,1,6
mod 11 (a remainder of 10 is never issued). Written "1237 010180" or as 10 digits; only with
context."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, digits
from phiscope.detect.identifiers.unit import NUMBER, Fragment, Identifier, Shape, in_context, simple_check
from phiscope.detect.mask import mask_keep_last

_WEIGHTS = (3, 7, 9, 0, 5, 8, 4, 2, 1, 6)


def is_valid_svnr(raw: str) -> bool:
    d = digits(raw)
    if len(d) != 10 or d[0] == "0":
        return False
    check = sum(int(c) * w for c, w in zip(d, _WEIGHTS, strict=True)) % 11
    return check != 10 and check == int(d[3])


SVNR = Kind(
    "AT_SVNR",
    "identity",
    digits,
    lambda r: mask_keep_last(r, 2),
    True,
    ("svnr", "sv-nummer", "sozialversicherungsnummer", "versicherungsnummer", "sozialversicherung", "e-card"),
)
IDENTIFIER = Identifier(
    SVNR,
    jurisdiction="AT",
    fragments=(Fragment("at_svnr", r"\d{3} \d{6}", order=9_000),),
    shapes=(
        Shape("at_svnr", in_context("AT_SVNR", is_valid_svnr)),
        Shape(NUMBER, in_context("AT_SVNR", is_valid_svnr), 25, (10,)),
    ),
    value_check=simple_check(SVNR, is_valid_svnr),
    headers=r"svnr|sv ?nummer|sozialversicherungsnummer|versicherungsnummer",
    header_priority=330,
)
