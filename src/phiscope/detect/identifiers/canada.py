"""Canadian Social Insurance Number: 9 digits, Luhn, never starting with 0 or 8."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, digits, luhn_ok
from phiscope.detect.mask import mask_keep_last

SIN_CONTEXT = ("sin", "social insurance", "social insurance number", "nas", "assurance sociale")


def is_valid_sin(raw: str) -> bool:
    d = digits(raw)
    return len(d) == 9 and d[0] not in "08" and luhn_ok(d)


SIN = Kind("CA_SIN", "identity", digits, lambda r: mask_keep_last(r, 3), True, SIN_CONTEXT)
