"""CPT / HCPCS procedure code, context-only in text (validator: codes.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import codes
from phiscope.detect.identifiers.unit import (
    LETTER,
    MID,
    NUMBER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    simple_check,
)


def _hcpcs(c: Candidate) -> Claimed | None:
    if "CPT_HCPCS" in c.context() and codes.is_valid_cpt(c.raw):
        return c.raw, MID
    return None


def _number(c: Candidate) -> Claimed | None:
    if "CPT_HCPCS" in c.context() and codes.is_valid_cpt(c.digits):
        return c.digits, MID
    return None


IDENTIFIER = Identifier(
    codes.CPT,
    jurisdiction="US",
    fragments=(Fragment("hcpcs", r"\d{4}", LETTER, 40),),
    shapes=(Shape("hcpcs", _hcpcs), Shape(NUMBER, _number, 20, (5,))),
    value_check=simple_check(codes.CPT, codes.is_valid_cpt, MID),
    headers=r"cpt|hcpcs|procedure code|cpt code|billing code|proc code",
    header_priority=100,
)
