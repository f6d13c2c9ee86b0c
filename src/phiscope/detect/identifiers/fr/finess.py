"""French FINESS number: a health or social facility's 9-character identifier (département, 2A/2B
for Corsica, then 7 characters). Structure only (no key algorithm could be verified), and only
near "FINESS" or under a header that names it. A facility, not a person: category provider."""

from __future__ import annotations

import re

from phiscope.detect.identifiers.base import Kind, alnum_upper
from phiscope.detect.identifiers.unit import MID, NUMBER, Candidate, Claimed, Identifier, Shape, simple_check
from phiscope.detect.mask import mask_keep_last

_FINESS_RE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97)\d{7}")


def is_valid_finess(raw: str) -> bool:
    return _FINESS_RE.fullmatch(alnum_upper(raw)) is not None


def _claim(c: Candidate) -> Claimed | None:
    return (c.upper, MID) if "FR_FINESS" in c.context() and is_valid_finess(c.raw) else None


FINESS = Kind(
    "FR_FINESS", "provider", alnum_upper, lambda r: mask_keep_last(r, 3), False, ("finess", "n° finess")
)
IDENTIFIER = Identifier(
    FINESS,
    jurisdiction="FR",
    shapes=(Shape(NUMBER, _claim, 80, (9,)),),
    value_check=simple_check(FINESS, is_valid_finess, MID),
    headers=r"(?:numero |num |no |n )?finess(?: (?:number|no|et|ej|geographique|juridique))?",
    header_priority=270,
)
