"""Shared helpers for identifier families: digit normalisation and the checksums several share."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_NON_DIGIT = re.compile(r"\D")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def digits(raw: str) -> str:
    return _NON_DIGIT.sub("", raw)


def alnum_upper(raw: str) -> str:
    return _NON_ALNUM.sub("", raw).upper()


def luhn_ok(number: str) -> bool:
    """Luhn (mod 10) over a digit string; used by cards, SIN and NPI (with its 80840 prefix)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass(frozen=True, slots=True)
class Kind:
    """What the engine needs to know about one identifier type besides how to find it."""

    type: str
    category: str
    normalise: Callable[[str], str]
    mask: Callable[[str], str]
    person_key: bool = False  # identifies one person on its own: goes into ContentFindings.people
    context: tuple[str, ...] = ()  # whole-word keywords that vouch for a nearby candidate
