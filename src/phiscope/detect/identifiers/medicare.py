"""Medicare beneficiary identifiers: the MBI (since 2018) and the legacy HICN (SSN + suffix)."""

from __future__ import annotations

import re

from phiscope.detect.identifiers.base import Kind, alnum_upper
from phiscope.detect.identifiers.us_ssn import is_valid_ssn
from phiscope.detect.mask import mask_keep_last

# MBI letters exclude S, L, O, I, B, Z to avoid confusion with digits.
_A = "[AC-HJKMNP-RT-Y]"
_AN = "[AC-HJKMNP-RT-Y0-9]"
MBI_RE = re.compile(rf"[1-9]{_A}{_AN}\d-?{_A}{_AN}\d-?{_A}{_A}\d\d")
# HICN beneficiary identification codes (suffixes) used by CMS.
_HICN_SUFFIX = re.compile(
    r"(?:A|B[1-9ADGHJKLNPQRTWY]?|C[1-9A-Z]?|D[1-9ACDGHJKLMNPQRTWYZ]?|E[1-9ABCDFGHJKLMN]?|"
    r"F[1-8]?|J[1-4]|K[1-9ABCDEFGHJLM]?|M|T[ABCDEFGHJKLMNPQRSTUVWXYZ2]?|W[1-9BCFGJRT]?)"
)

MEDICARE_CONTEXT = (
    "medicare",
    "mbi",
    "hicn",
    "hic",
    "beneficiary",
    "medicare id",
    "medicare number",
    "claim number",
    "member id",
)


def is_valid_mbi(raw: str) -> bool:
    """CMS MBI format: C A AN N A AN N A A N N (positions), dashes optional after 4th and 7th."""
    v = alnum_upper(raw)
    return len(v) == 11 and MBI_RE.fullmatch(v) is not None


def is_valid_hicn(raw: str) -> bool:
    """Legacy HICN: a valid-range 9-digit SSN followed by a CMS beneficiary code."""
    v = alnum_upper(raw)
    if len(v) < 10 or not v[:9].isdigit():
        return False
    return is_valid_ssn(v[:9]) and _HICN_SUFFIX.fullmatch(v[9:]) is not None


MBI = Kind("US_MBI", "identity", alnum_upper, lambda r: mask_keep_last(r, 2), True, MEDICARE_CONTEXT)
HICN = Kind("US_HICN", "identity", alnum_upper, lambda r: mask_keep_last(r, 2), True, MEDICARE_CONTEXT)
