"""US Individual Taxpayer Identification Number: 9xx-GG-xxxx (validator: us_ssn.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import us_ssn
from phiscope.detect.identifiers.unit import HIGH, MID, NEG, NUMBER, Candidate, Claimed, Identifier, Shape
from phiscope.detect.identifiers.us.ssn import fast_ssn, v_ssn


def _dashed(c: Candidate) -> Claimed | None:
    d = c.digits
    if not us_ssn.is_valid_itin(d):
        return None
    ctx = c.context()
    if ("-" in c.raw or "US_ITIN" in ctx) and NEG not in ctx:
        return d, HIGH if "US_ITIN" in ctx else MID
    return None


def _number(c: Candidate) -> Claimed | None:
    if "US_ITIN" in c.context() and us_ssn.is_valid_itin(c.digits):
        return c.digits, HIGH
    return None


IDENTIFIER = Identifier(
    us_ssn.ITIN,
    jurisdiction="US",
    shapes=(Shape("ssn", _dashed, 20), Shape(NUMBER, _number, 40, (9,))),
    value_check=v_ssn,
    headers=r"itin",
    header_priority=20,
    fast_column=fast_ssn,
)
