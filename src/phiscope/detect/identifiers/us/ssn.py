"""US Social Security number: 3-2-4 digits, SSA area/group/serial rules (validator: us_ssn.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

from phiscope.detect import vector
from phiscope.detect.identifiers import us_ssn
from phiscope.detect.identifiers.base import Kind
from phiscope.detect.identifiers.unit import (
    HIGH,
    MID,
    NEG,
    NUMBER,
    VETO,
    Candidate,
    Claimed,
    FastResult,
    Fragment,
    Identifier,
    Shape,
    Valid,
    Verdict,
)

_SSN_CELL = re.compile(r"[ \t]*(\d{3})[- ]?(\d{2})[- ]?(\d{4})[ \t]*")


def v_ssn(raw: str) -> Valid | None:
    m = _SSN_CELL.fullmatch(raw)
    if m is None:
        return None
    d = "".join(m.groups())
    if us_ssn.is_valid_ssn(d):
        return us_ssn.SSN, d, HIGH
    if us_ssn.is_valid_itin(d):
        return us_ssn.ITIN, d, HIGH
    return None


def v_ssn_column(raw: str) -> Valid | None:
    """Under an SSN label a 9xx number is test data (never issued), not an ITIN."""
    r = v_ssn(raw)
    if r is not None and r[0] is us_ssn.ITIN:
        return us_ssn.SSN_TEST, r[1], MID
    if r is None:
        m = _SSN_CELL.fullmatch(raw)
        if m is not None and us_ssn.is_test_ssn("".join(m.groups())):
            return us_ssn.SSN_TEST, "".join(m.groups()), MID
    return r


def fast_ssn(col: Sequence[str], nine: Kind = us_ssn.ITIN) -> FastResult:
    norms = vector.ssn_column(col)
    if norms is None:
        return []
    if not norms or max(norms) < "9":  # no ITIN (digits only: valid SSNs never start with 9)
        return [(us_ssn.SSN, HIGH, norms)]
    return [
        (us_ssn.SSN, HIGH, [v if v[:1] != "9" else "" for v in norms]),
        (nine, HIGH if nine is us_ssn.ITIN else MID, [v if v[:1] == "9" else "" for v in norms]),
    ]


def _dashed(c: Candidate) -> Verdict:
    """A dashed 3-2-4 SSN counts alone; a spaced one, or one near a negative word, needs context
    (and then no other identifier may take it)."""
    d = c.digits
    if not us_ssn.is_valid_ssn(d):
        return None
    ctx = c.context()
    if "US_SSN" in ctx or "US_ITIN" in ctx:
        return d, HIGH
    if " " in c.raw or NEG in ctx:
        return VETO
    return d, MID


def _number(c: Candidate) -> Claimed | None:
    ctx = c.context()
    if ("US_SSN" in ctx or "US_ITIN" in ctx) and us_ssn.is_valid_ssn(c.digits):
        return c.digits, HIGH
    return None


IDENTIFIER = Identifier(
    us_ssn.SSN,
    jurisdiction="US",
    fragments=(Fragment("ssn", r"\d\d-\d\d-\d{4}|\d\d \d\d \d{4}", order=20),),
    shapes=(Shape("ssn", _dashed, 10), Shape(NUMBER, _number, 30, (9,))),
    value_check=v_ssn_column,
    headers=r"ssn|social security(?: (?:number|no|num|#))?|soc sec|ss ?no|ss ?num|ss ?#|taxpayer id|tin",
    standard_id=True,
    header_priority=30,
    fast_column=partial(fast_ssn, nine=us_ssn.SSN_TEST),
)
