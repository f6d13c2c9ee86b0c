"""Phone numbers: NANP, French, UK, E.164 (validators: contact.py). "+"/"(" forms have their own
pass (engine); digit-led ones are four shapes of the digit pass."""

from __future__ import annotations

from phiscope.detect import vector
from phiscope.detect.identifiers import contact
from phiscope.detect.identifiers.base import digits
from phiscope.detect.identifiers.unit import (
    DIGITS_ONLY,
    HIGH,
    LOW,
    MID,
    NEG,
    NUMBER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    Valid,
    fast,
)


def v_phone(raw: str) -> Valid | None:
    s = raw.strip()
    if not DIGITS_ONLY.fullmatch(s) or not 7 <= len(digits(s)) <= 15:
        return None
    return contact.PHONE, digits(s), HIGH


def _nanp(c: Candidate) -> Claimed | None:
    ctx = c.context()
    d = c.digits
    if contact.is_valid_nanp(c.raw) and (NEG not in ctx or "PHONE" in ctx):
        return d, HIGH if "PHONE" in ctx else MID
    if "PHONE" in ctx and 10 <= len(d) <= 11:
        return d, LOW
    return None


def _french(c: Candidate) -> Claimed | None:
    d = c.digits
    if d[0] == "0" and d[1] != "0":
        return d, HIGH if "PHONE" in c.context() else MID
    return None


def _uk(c: Candidate) -> Claimed | None:
    d = c.digits
    if "PHONE" in c.context() and 10 <= len(d) <= 11 and d[0] == "0":
        return d, MID
    return None


def _ten(c: Candidate) -> Claimed | None:
    d = c.digits
    if "PHONE" in c.context() and (contact.is_valid_nanp(d) or d[0] == "0"):
        return d, MID
    return None


def _eleven(c: Candidate) -> Claimed | None:
    d = c.digits
    if "PHONE" in c.context() and d[0] == "1" and contact.is_valid_nanp(d):
        return d, MID
    return None


IDENTIFIER = Identifier(
    contact.PHONE,
    fragments=(
        Fragment("phone1", r"[ .-]\d{3}[ .-]\d{3}[ .-]\d{4}", order=40),
        Fragment("phone", r"\d\d[ .-]\d{3}[ .-]\d{4}", order=60),
        Fragment("frphone", r"\d(?:[ .]\d\d){4}", order=90),
        Fragment("ukphone", r"\d{1,4} \d{3,4} \d{3,4}", order=100),
    ),
    shapes=(
        Shape("phone", _nanp, 30),
        Shape("phone1", _nanp, 30),
        Shape("frphone", _french),
        Shape("ukphone", _uk, 20),
        Shape(NUMBER, _ten, 30, (10,)),
        Shape(NUMBER, _eleven, 20, (11,)),
    ),
    value_check=v_phone,
    headers=(
        r"(?:home |work |cell |mobile )?(?:phone|telephone|tel)(?: (?:number|no|#))?|mobile|cell|fax|"
        r"portable|callback|phone number"
    ),
    header_priority=210,
    fast_column=fast(contact.PHONE, HIGH, vector.phone_column),
)
