"""Belgian INSZ/NISS (rijksregisternummer, numéro de registre national): YYMMDD + 3-digit order +
2-digit key = 97 - (first 9 digits mod 97), with "2" prefixed for people born from 2000. Written
85.07.30-033.28 (a shape of its own: counted alone, as the key and date make chance rare) or as 11
digits (only with context)."""

from __future__ import annotations

from phiscope.detect.identifiers.base import Kind, digits
from phiscope.detect.identifiers.unit import (
    HIGH,
    MID,
    NUMBER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    in_context,
    simple_check,
)
from phiscope.detect.mask import mask_keep_last

INSZ_CONTEXT = (
    "insz",
    "niss",
    "rijksregisternummer",
    "rijksregister",
    "registre national",
    "numéro national",
    "identificatienummer",
    "ssin",
)


def is_valid_insz(raw: str) -> bool:
    d = digits(raw)
    if len(d) != 11:
        return False
    body, key = d[:9], int(d[9:])
    month = int(d[2:4])
    if not (0 <= month <= 12 or 20 <= month <= 32 or 40 <= month <= 52):  # bis numbers: +20/+40
        return False
    return key in (97 - int(body) % 97, 97 - int("2" + body) % 97)


def _dotted(c: Candidate) -> Claimed | None:
    if is_valid_insz(c.raw):
        return c.digits, HIGH if "BE_INSZ" in c.context() else MID
    return None


INSZ = Kind("BE_INSZ", "identity", digits, lambda r: mask_keep_last(r, 2), True, INSZ_CONTEXT)
IDENTIFIER = Identifier(
    INSZ,
    jurisdiction="BE",
    fragments=(Fragment("insz", r"\d\.\d\d\.\d\d[ .-]?\d{3}[ .-]?\d\d", order=105),),
    shapes=(Shape("insz", _dotted), Shape(NUMBER, in_context("BE_INSZ", is_valid_insz), 40, (11,))),
    value_check=simple_check(INSZ, is_valid_insz),
    headers=r"insz|niss|rijksregisternummer|numero (?:de )?registre national|numero national|rrn|ssin",
    header_priority=300,
)
