"""US Social Security numbers and ITINs (same 3-2-4 shape, told apart by the area number)."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, digits
from phiscope.detect.mask import mask_keep_last

# Numbers the SSA or the press made public (wallet card 078-05-1120, Woolworth; 219-09-9999 SSA pamphlet;
# 457-55-5462 Lifelock ad). Serial runs reserved for advertising (987-65-4320..29) fall in 9xx anyway.
ADVERTISED = frozenset({"078051120", "219099999", "457555462"})

SSN_CONTEXT = (
    "ssn",
    "ssns",
    "social security",
    "social security number",
    "social security no",
    "soc sec",
    "ss#",
    "ss no",
    "taxpayer",
    "tin",
)
ITIN_CONTEXT = ("itin", "individual taxpayer", "taxpayer identification", "tax id", "tin", *SSN_CONTEXT)


def is_valid_ssn(raw: str) -> bool:
    """SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000; not an advertised number."""
    d = digits(raw)
    if len(d) != 9:
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    if area == "000" or area == "666" or area[0] == "9":
        return False
    if group == "00" or serial == "0000":
        return False
    return d not in ADVERTISED


def is_valid_itin(raw: str) -> bool:
    """IRS ITIN: 9xx-GG-xxxx with group 50-65, 70-88, 90-92 or 94-99."""
    d = digits(raw)
    if len(d) != 9 or d[0] != "9":
        return False
    g = int(d[3:5])
    return 50 <= g <= 65 or 70 <= g <= 88 or 90 <= g <= 92 or 94 <= g <= 99


SSN = Kind("US_SSN", "identity", digits, lambda r: mask_keep_last(r, 4), True, SSN_CONTEXT)
ITIN = Kind("US_ITIN", "identity", digits, lambda r: mask_keep_last(r, 4), True, ITIN_CONTEXT)


def is_test_ssn(raw: str) -> bool:
    """A 9xx number under a column or field that says SSN: never issued as an SSN (test data such as
    Synthea's 999-xx-xxxx), not an ITIN unless the label says ITIN."""
    d = digits(raw)
    return len(d) == 9 and d[0] == "9" and d[3:5] != "00" and d[5:] != "0000"


# Detected and shown (low severity), not a person key: people are counted by their other identifiers.
SSN_TEST = Kind("US_SSN_TEST", "test", digits, lambda r: mask_keep_last(r, 4), False, ())
