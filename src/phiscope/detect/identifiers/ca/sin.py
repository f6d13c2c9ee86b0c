"""Canadian Social Insurance Number: 9 digits, Luhn; only with context (validator: canada.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import canada
from phiscope.detect.identifiers.unit import (
    HIGH,
    NUMBER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    simple_check,
)


def _sin(c: Candidate) -> Claimed | None:
    if "CA_SIN" in c.context() and canada.is_valid_sin(c.digits):
        return c.digits, HIGH
    return None


IDENTIFIER = Identifier(
    canada.SIN,
    jurisdiction="CA",
    fragments=(Fragment("sin", r"\d\d[ -]\d{3}[ -]\d{3}", order=80),),
    shapes=(Shape("ssn", _sin, 30), Shape("sin", _sin), Shape(NUMBER, _sin, 50, (9,))),
    value_check=simple_check(canada.SIN, canada.is_valid_sin),
    headers=r"sin|social insurance(?: number)?|nas|numero d assurance sociale",
    header_priority=140,
)
