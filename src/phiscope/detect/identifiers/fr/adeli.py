"""French ADELI number: a health professional's 9-digit registration (département, profession,
order, key). No published key algorithm could be verified, so only the structure is checked (a
département 01-95 or 97x) and it counts only near "ADELI" or under a header that names it."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, digits
from phiscope.detect.identifiers.unit import MID, NUMBER, Identifier, Shape, in_context, simple_check
from phiscope.detect.mask import mask_keep_last


def is_valid_adeli(raw: str) -> bool:
    d = digits(raw)
    if len(d) != 9 or d != raw.strip().replace(" ", ""):
        return False
    dept = int(d[:2])
    return 1 <= dept <= 95 or d[:2] == "97"


ADELI = Kind("FR_ADELI", "provider", digits, lambda r: mask_keep_last(r, 3), False, ("adeli", "n° adeli"))
IDENTIFIER = Identifier(
    ADELI,
    jurisdiction="FR",
    shapes=(Shape(NUMBER, in_context("FR_ADELI", is_valid_adeli, MID), 70, (9,)),),
    value_check=simple_check(ADELI, is_valid_adeli, MID),
    headers=r"(?:numero |num |no |n )?adeli(?: (?:number|no))?",
    header_priority=260,
)
