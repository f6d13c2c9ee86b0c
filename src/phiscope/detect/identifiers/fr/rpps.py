"""French RPPS number (Répertoire partagé des professionnels de santé): a clinician's 11-digit
identifier, "10" + 8 digits + a Luhn key. Digits alone say nothing: only near "RPPS" or under a
header that names it."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, digits, luhn_ok
from phiscope.detect.identifiers.unit import NUMBER, Identifier, Shape, in_context, simple_check
from phiscope.detect.mask import mask_keep_last


def is_valid_rpps(raw: str) -> bool:
    d = digits(raw)
    return len(d) == 11 and d[:2] == "10" and luhn_ok(d)


RPPS = Kind(
    "FR_RPPS", "provider", digits, lambda r: mask_keep_last(r, 3), False, ("rpps", "n° rpps", "numéro rpps")
)
IDENTIFIER = Identifier(
    RPPS,
    jurisdiction="FR",
    shapes=(Shape(NUMBER, in_context("FR_RPPS", is_valid_rpps), 30, (11,)),),
    value_check=simple_check(RPPS, is_valid_rpps),
    headers=r"(?:numero |num |no |n )?rpps(?: (?:number|no|id))?|id rpps|identifiant rpps",
    header_priority=250,
)
