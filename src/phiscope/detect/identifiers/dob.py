"""Dates of birth: any common date written near birth context (or in a DOB column), normalised to
ISO so the same person's DOB fingerprints alike in a CSV, a PDF form and a call transcript."""

from __future__ import annotations

import datetime as _dt
import re

from phiscope.detect.identifiers.base import Kind
from phiscope.detect.mask import mask_date

DOB_CONTEXT = (
    "dob",
    "d.o.b",
    "d.o.b.",
    "date of birth",
    "birth date",
    "birthdate",
    "birthday",
    "born",
    "born on",
    "né",
    "née",
    "ne le",
    "nee le",
    "né le",
    "née le",
    "date de naissance",
    "naissance",
    "ddn",
)
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}  # fmt: skip
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
# "March 4, 1972", "4 March 1972", "4 mars 1972", "Mar. 4th 1972"
TEXT_DATE_RE = re.compile(
    rf"(?i:\b(?:(?P<m1>{_MONTH_ALT})\.?[ \t]+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?[ \t]+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:er|st|nd|rd|th)?[ \t]+(?P<m2>{_MONTH_ALT})\.?,?[ \t]+(?P<y2>\d{{4}}))\b)"
)
_NUM_DATE_RE = re.compile(r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})")


def _mk(y: int, m: int, d: int) -> str | None:
    try:
        day = _dt.date(y, m, d)
    except ValueError:
        return None
    if not 1890 <= y <= _dt.date.today().year:
        return None
    return day.isoformat()


def _year(y: str) -> int:
    n = int(y)
    if len(y) == 2:
        this = _dt.date.today().year % 100
        return 2000 + n if n <= this else 1900 + n
    return n


def parse_date(raw: str, dayfirst: bool | None = None) -> str | None:
    """Common written dates → ISO YYYY-MM-DD, or None when not a plausible birth date.

    Numeric a/b/yyyy is read month-first unless the day is > 12 or `dayfirst` says otherwise
    (French context, a column whose values show day-first).
    """
    s = raw.strip()
    m = _NUM_DATE_RE.fullmatch(s)
    if m:
        a, b, c = m.groups()
        if len(a) == 4:
            return _mk(int(a), int(b), int(c)) if len(c) <= 2 else None
        if len(a) > 2:
            return None
        x, y, year = int(a), int(b), _year(c)
        if x > 12 or (dayfirst and y <= 12):
            return _mk(year, y, x)
        return _mk(year, x, y)
    t = TEXT_DATE_RE.fullmatch(s)
    if t:
        mon = (t.group("m1") or t.group("m2")).lower()
        day = t.group("d1") or t.group("d2")
        yy = t.group("y1") or t.group("y2")
        return _mk(int(yy), MONTHS[mon], int(day))
    if len(s) == 8 and s.isdigit():  # 19720304
        return _mk(int(s[:4]), int(s[4:6]), int(s[6:]))
    return None


def day_first_hint(values: list[str]) -> bool:
    """A column (or document) whose numeric dates have a first part > 12 is written day-first."""
    for v in values:
        m = _NUM_DATE_RE.fullmatch(v.strip())
        if m and len(m.group(1)) <= 2:
            if int(m.group(1)) > 12:
                return True
            if int(m.group(2)) > 12:
                return False
    return False


DOB = Kind("DATE_OF_BIRTH", "identity", lambda r: r, mask_date, False, DOB_CONTEXT)
