"""Clinician identifiers: NPI (Luhn over 80840 + number) and DEA registration (check digit)."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, alnum_upper, digits, luhn_ok
from phiscope.detect.mask import mask_keep_last

NPI_CONTEXT = ("npi", "national provider", "provider", "prescriber", "physician", "provider id", "npi#")
DEA_CONTEXT = ("dea", "dea#", "dea number", "dea no", "dea registration", "prescriber")
_DEA_FIRST = frozenset("ABCDEFGHJKLMPRSTUX")


def is_valid_npi(raw: str) -> bool:
    """10 digits starting 1 or 2 whose Luhn check holds with the 80840 health-industry prefix."""
    d = digits(raw)
    return len(d) == 10 and d[0] in "12" and luhn_ok("80840" + d)


def is_valid_dea(raw: str) -> bool:
    """Registrant letter + letter (or 9) + 7 digits; (d1+d3+d5) + 2(d2+d4+d6) ends in d7."""
    v = alnum_upper(raw)
    if len(v) != 9 or v[0] not in _DEA_FIRST or not (v[1].isalpha() or v[1] == "9"):
        return False
    n = v[2:]
    if not n.isdigit():
        return False
    d = [int(c) for c in n]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


NPI = Kind("US_NPI", "provider", digits, lambda r: mask_keep_last(r, 3), False, NPI_CONTEXT)
DEA = Kind("US_DEA", "provider", alnum_upper, lambda r: mask_keep_last(r, 2), False, DEA_CONTEXT)
