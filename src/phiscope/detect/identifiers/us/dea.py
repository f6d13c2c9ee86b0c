"""US DEA registration number: 2 letters + 7 digits with a check digit (validator: provider.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import provider
from phiscope.detect.identifiers.unit import (
    HIGH,
    LETTER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    simple_check,
)


def _dea(c: Candidate) -> Claimed | None:
    if "US_DEA" in c.context() and provider.is_valid_dea(c.raw):
        return c.raw, HIGH
    return None


IDENTIFIER = Identifier(
    provider.DEA,
    jurisdiction="US",
    fragments=(Fragment("dea", r"[A-Z9]\d{7}", LETTER, 20),),
    shapes=(Shape("dea", _dea),),
    value_check=simple_check(provider.DEA, provider.is_valid_dea),
    headers=r"dea|dea (?:number|no|#)|dea registration",
    header_priority=70,
)
