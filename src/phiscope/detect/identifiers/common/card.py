"""Payment card numbers: 13-19 digits, a known brand prefix, Luhn (validator: payment.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import payment
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


def _card(c: Candidate) -> Claimed | None:
    d = c.digits
    if len(d) == len(c.upper) and payment.is_valid_card(d):
        return d, HIGH
    return None


IDENTIFIER = Identifier(
    payment.CARD,
    fragments=(
        Fragment(
            "card",
            r"\d{3}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?|\d{3}[ -]\d{6}[ -]\d{4,5}",
            order=70,
            number=True,
        ),
    ),
    shapes=(Shape(NUMBER, _card, 30, tuple(range(13, 20))),),
    value_check=simple_check(payment.CARD, payment.is_valid_card),
    headers=r"(?:credit |debit )?card(?: (?:number|no|#))?|cc(?: (?:number|no))?|pan|carte bancaire",
    header_priority=180,
)
