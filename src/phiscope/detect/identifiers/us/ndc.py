"""US National Drug Code, context-only in text (validator: codes.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import codes
from phiscope.detect.identifiers.unit import (
    MID,
    NUMBER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    simple_check,
)


def _dashed(c: Candidate) -> Claimed | None:
    if "NDC" in c.context() and codes.is_valid_ndc(c.raw):
        return c.digits, MID
    return None


def _number(c: Candidate) -> Claimed | None:
    return (c.digits, MID) if "NDC" in c.context() else None


IDENTIFIER = Identifier(
    codes.NDC,
    jurisdiction="US",
    fragments=(Fragment("ndc", r"\d{3}-\d{4}-\d\d|\d{4}-\d{3}-\d\d|\d{4}-\d{4}-\d{1,2}", order=30),),
    shapes=(Shape("ndc", _dashed), Shape(NUMBER, _number, 10, (11,))),
    value_check=simple_check(codes.NDC, codes.is_valid_ndc, MID),
    headers=r"ndc|national drug code|ndc code",
    header_priority=80,
)
