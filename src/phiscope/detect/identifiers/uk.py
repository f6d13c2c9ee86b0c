"""UK NHS number: 10 digits, mod-11 check digit. Phone-shaped, so it needs "NHS" context."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, digits
from phiscope.detect.mask import mask_keep_last

NHS_CONTEXT = ("nhs", "nhs number", "nhs no", "nhs#", "health service")


def is_valid_nhs(raw: str) -> bool:
    d = digits(raw)
    if len(d) != 10 or len(set(d)) == 1:
        return False
    total = sum(int(c) * w for c, w in zip(d[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(d[9])


NHS = Kind("UK_NHS", "identity", digits, lambda r: mask_keep_last(r, 3), True, NHS_CONTEXT)
