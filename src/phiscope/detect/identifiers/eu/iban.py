"""IBAN: country, mod-97 check, per-country length; found without context (validator: payment.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import payment
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


def _iban(c: Candidate) -> Claimed | None:
    return (c.upper, HIGH) if payment.is_valid_iban(c.raw) else None


IDENTIFIER = Identifier(
    payment.IBAN,
    jurisdiction="EU",
    fragments=(Fragment("iban", r"[A-Z]\d\d(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?", LETTER, 10),),
    shapes=(Shape("iban", _iban),),
    value_check=simple_check(payment.IBAN, payment.is_valid_iban),
    headers=r"iban|rib|bank account",
    header_priority=190,
)
