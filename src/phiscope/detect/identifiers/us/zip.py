"""US ZIP code: after a state code or a ZIP keyword (validator: contact.py)."""

from __future__ import annotations

from phiscope.detect import vector
from phiscope.detect.identifiers import contact
from phiscope.detect.identifiers.base import digits
from phiscope.detect.identifiers.unit import (
    DIGITS_ONLY,
    MID,
    NUMBER,
    Candidate,
    Claimed,
    Fragment,
    Identifier,
    Shape,
    Valid,
    fast,
)


def v_zip(raw: str) -> Valid | None:
    s = raw.strip()
    if len(s) not in (5, 10) or not contact.is_valid_zip(s) or not DIGITS_ONLY.fullmatch(s):
        return None
    return contact.ZIP, digits(s), MID


def _near(c: Candidate) -> Claimed | None:
    if "ZIP_CODE" in c.context() or c.after_state():
        return c.digits, MID
    return None


def _nine(c: Candidate) -> Claimed | None:
    if "ZIP_CODE" in c.context() and contact.is_valid_zip(c.digits):
        return c.digits, MID
    return None


IDENTIFIER = Identifier(
    contact.ZIP,
    jurisdiction="US",
    fragments=(Fragment("zip4", r"\d{4}-\d{4}", order=130),),
    shapes=(Shape("zip4", _near), Shape(NUMBER, _near, 10, (5,)), Shape(NUMBER, _nine, 60, (9,))),
    value_check=v_zip,
    headers=r"zip(?: ?code)?|postal ?code|post ?code|code postal|cp|zip5",
    header_priority=220,
    fast_column=fast(contact.ZIP, MID, vector.zip_column),
)
