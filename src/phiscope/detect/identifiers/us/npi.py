"""US National Provider Identifier: 10 digits, Luhn with the 80840 prefix (validator: provider.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import provider
from phiscope.detect.identifiers.unit import HIGH, NUMBER, Candidate, Claimed, Identifier, Shape, simple_check


def _npi(c: Candidate) -> Claimed | None:
    d = c.digits
    if "US_NPI" in c.context() and len(d) == 10 and provider.is_valid_npi(d):
        return d, HIGH
    return None


IDENTIFIER = Identifier(
    provider.NPI,
    jurisdiction="US",
    shapes=(Shape("phone", _npi, 20), Shape("phone1", _npi, 20), Shape(NUMBER, _npi, 10, (10,))),
    value_check=simple_check(provider.NPI, provider.is_valid_npi),
    headers=r"npi|national provider identifier|npi number",
    header_priority=60,
)
