"""ICD-10-CM diagnosis code, context-only in text (validator: codes.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import codes
from phiscope.detect.identifiers.unit import (
    LETTER,
    MID,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    simple_check,
)


def _icd(c: Candidate) -> Claimed | None:
    if "ICD10_CM" in c.context() and codes.is_valid_icd10(c.raw):
        return c.upper, MID
    return None


IDENTIFIER = Identifier(
    codes.ICD10,
    jurisdiction="US",
    fragments=(Fragment("icd", r"\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?", LETTER, 30),),
    shapes=(Shape("icd", _icd),),
    value_check=simple_check(codes.ICD10, codes.is_valid_icd10, MID),
    headers=r"icd|icd ?10|icd ?10 ?cm|diagnosis code|dx code|dx|diag code|cim ?10|code cim",
    header_priority=90,
)
