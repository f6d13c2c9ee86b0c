"""UK NHS number: 10 digits, mod-11 check; phone-shaped, so only with "NHS" context (validator: uk.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import uk
from phiscope.detect.identifiers.unit import HIGH, NUMBER, Candidate, Claimed, Identifier, Shape, simple_check


def _nhs(c: Candidate) -> Claimed | None:
    d = c.digits
    if len(d) == 10 and "UK_NHS" in c.context() and uk.is_valid_nhs(d):
        return d, HIGH
    return None


IDENTIFIER = Identifier(
    uk.NHS,
    jurisdiction="GB",
    shapes=(
        Shape("phone", _nhs, 10),
        Shape("phone1", _nhs, 10),
        Shape("ukphone", _nhs, 10),
        Shape(NUMBER, _nhs, 20, (10,)),
    ),
    value_check=simple_check(uk.NHS, uk.is_valid_nhs),
    headers=r"nhs|nhs (?:number|no|#)",
    standard_id=True,
    header_priority=130,
)
