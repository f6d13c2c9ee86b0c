"""Street addresses, US and French styles (suffix lists: contact.py)."""

from __future__ import annotations

from phiscope.detect import vector
from phiscope.detect.identifiers import contact
from phiscope.detect.identifiers.unit import MID, Candidate, Claimed, Fragment, Identifier, Shape, Valid, fast

_STREET_WORD = r"[A-Z][a-z]+\.?|[0-9]{1,3}(?:st|nd|rd|th)"
_ADDR = (
    rf"\d{{0,5}}(?:[ \t]+(?:{_STREET_WORD})){{1,4}}[ \t]+(?i:{contact.STREET_SUFFIX})\b\.?"
    rf"(?:,?[ \t]+(?:Apt|Suite|Unit|Ste|#)\.?[ \t]*#?\w{{1,5}})?"
)
_FRADDR = (
    rf"\d{{0,3}}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?i:{contact.FR_STREET})[ \t]+"
    r"(?:(?:de|du|des|la|le|l'|d')[ \t]*){0,2}[A-ZÀ-Ö][\w'’-]+(?:[ \t]+[A-ZÀ-Ö][\w'’-]+){0,3}"
)


def v_address(raw: str) -> Valid | None:
    s = " ".join(raw.split())
    if len(s) < 6 or not any(c.isdigit() for c in s) or not any(c.isalpha() for c in s):
        return None
    return contact.ADDRESS, contact.ADDRESS.normalise(s), MID


def _address(c: Candidate) -> Claimed:
    return contact.ADDRESS.normalise(c.raw), MID


IDENTIFIER = Identifier(
    contact.ADDRESS,
    fragments=(
        Fragment("addr", _ADDR, order=160, end=False),
        Fragment("fraddr", _FRADDR, order=170, end=False),
    ),
    shapes=(Shape("addr", _address), Shape("fraddr", _address)),
    value_check=v_address,
    headers=(
        r"(?:home |street |mailing |postal )?address(?: (?:line )?1)?|street|addr|adresse|"
        r"address line|residence"
    ),
    header_priority=230,
    fast_column=fast(contact.ADDRESS, MID, vector.address_column),
)
