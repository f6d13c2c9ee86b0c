"""US legacy Health Insurance Claim Number: an SSN plus a CMS suffix (validator: medicare.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import medicare
from phiscope.detect.identifiers.unit import HIGH, Candidate, Claimed, Fragment, Identifier, Shape
from phiscope.detect.identifiers.us.mbi import v_medicare


def _hicn(c: Candidate) -> Claimed | None:
    if medicare.is_valid_hicn(c.raw) and "US_HICN" in c.context():
        return c.upper, HIGH
    return None


IDENTIFIER = Identifier(
    medicare.HICN,
    jurisdiction="US",
    fragments=(
        Fragment("hicn_d", r"\d\d-\d\d-\d{4}-?[A-Z]\d?", order=10),
        Fragment("hicn", r"\d{8}[A-Z]{1,2}\d?", order=150),
    ),
    shapes=(Shape("hicn_d", _hicn), Shape("hicn", _hicn)),
    value_check=v_medicare,
    headers=r"hicn|hic (?:number|no)|health insurance claim number",
    header_priority=50,
)
