"""US Medicare Beneficiary Identifier (validator: medicare.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import medicare
from phiscope.detect.identifiers.base import alnum_upper
from phiscope.detect.identifiers.unit import (
    HIGH,
    MID,
    NEG,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    Valid,
)


def v_medicare(raw: str) -> Valid | None:
    if medicare.is_valid_mbi(raw):
        return medicare.MBI, alnum_upper(raw), HIGH
    if medicare.is_valid_hicn(raw):
        return medicare.HICN, alnum_upper(raw), HIGH
    return None


def _mbi(c: Candidate) -> Claimed | None:
    if not medicare.is_valid_mbi(c.raw):
        return None
    ctx = c.context()
    if NEG in ctx and "US_MBI" not in ctx:
        return None
    return c.upper, HIGH if "US_MBI" in ctx else MID


IDENTIFIER = Identifier(
    medicare.MBI,
    jurisdiction="US",
    fragments=(Fragment("mbi", r"[A-Z][A-Z0-9]\d-?[A-Z][A-Z0-9]\d-?[A-Z]{2}\d\d", order=140),),
    shapes=(Shape("mbi", _mbi),),
    value_check=v_medicare,
    headers=r"mbi|medicare beneficiary identifier|medicare (?:id|number|no|#)|medicare",
    standard_id=True,
    header_priority=40,
)
