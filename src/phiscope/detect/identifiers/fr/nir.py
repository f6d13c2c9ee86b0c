"""French NIR (numéro de sécurité sociale): 15 characters, mod-97 key (validator: france.py)."""

from __future__ import annotations

from phiscope.detect.identifiers import france
from phiscope.detect.identifiers.unit import (
    HIGH,
    MID,
    NUMBER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    Valid,
)


def v_nir(raw: str) -> Valid | None:
    return (france.NIR, france.normalise_nir(raw), HIGH) if france.is_valid_nir(raw) else None


def _nir(c: Candidate) -> Claimed | None:
    up = c.upper
    if len(up) == 15 and france.is_valid_nir(up):
        return up, HIGH if "FR_NIR" in c.context() else MID
    return None


IDENTIFIER = Identifier(
    france.NIR,
    jurisdiction="FR",
    fragments=(
        Fragment(
            "nir_sp", r"[ ]?\d\d[ ]?\d\d[ ]?(?:\d\d|2[AB])[ ]?\d{3}[ ]?\d{3}[ ]?\d\d", order=50, number=True
        ),
    ),
    shapes=(Shape(NUMBER, _nir, 20, (14, 15)),),
    value_check=v_nir,
    headers=r"nir|numero de securite sociale|securite sociale|n ?ss|num secu|no secu|secu|carte vitale",
    header_priority=120,
)
