"""French INS (identité nationale de santé): the NIR as the health system's identity, told apart
from it only by context (validator: france.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import france
from phiscope.detect.identifiers.unit import HIGH, NUMBER, Candidate, Claimed, Identifier, Shape, Valid


def v_ins(raw: str) -> Valid | None:
    return (france.INS, france.normalise_nir(raw), HIGH) if france.is_valid_nir(raw) else None


def _ins(c: Candidate) -> Claimed | None:
    up = c.upper
    if len(up) == 15 and france.is_valid_nir(up) and "FR_INS" in c.context():
        return up, HIGH
    return None


IDENTIFIER = Identifier(
    france.INS,
    jurisdiction="FR",
    shapes=(Shape(NUMBER, _ins, 10, (14, 15)),),
    value_check=v_ins,
    headers=r"ins|matricule ins|ins nir|identite nationale de sante",
    standard_id=True,
    links_to="FR_NIR",
    link_when=lambda v: v[:1] in "12",  # a NIR (1/2), not a provisional NIA (7/8)
    header_priority=110,
)
