"""Dutch burgerservicenummer (BSN): 9 digits passing the 11-test (weights 9..2 and -1, the sum a
multiple of 11). Any 9 digits pass it one time in 11, so only with context."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, digits
from phiscope.detect.identifiers.unit import NUMBER, Identifier, Shape, in_context, simple_check
from phiscope.detect.mask import mask_keep_last


def is_valid_bsn(raw: str) -> bool:
    d = digits(raw)
    if len(d) != 9 or d == "000000000":
        return False
    total = sum(int(c) * w for c, w in zip(d, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


BSN = Kind(
    "NL_BSN",
    "identity",
    digits,
    lambda r: mask_keep_last(r, 3),
    True,
    ("bsn", "burgerservicenummer", "sofinummer", "sofi-nummer", "bsn-nummer"),
)
IDENTIFIER = Identifier(
    BSN,
    jurisdiction="NL",
    shapes=(Shape(NUMBER, in_context("NL_BSN", is_valid_bsn), 65, (9,)),),
    value_check=simple_check(BSN, is_valid_bsn),
    headers=r"bsn|burgerservicenummer|sofi ?nummer|bsn nummer",
    header_priority=290,
)
