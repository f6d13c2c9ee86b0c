"""Whole-column checks for tables: C-speed passes over a column instead of Python per cell.

A column's cells are joined with newlines and one `re.sub` turns every line into its normalised
value when it has the common, exactly-checkable shape of its kind ("" when not); a few more
string-wide operations finish the normalisation (upper-casing, dropping separators). The fast shape
is a *sufficient* condition: it encodes the validator's rules (SSA ranges, calendar days, ...) so a
line it accepts passes the exact check with the same normalised value. Cells it rejects go through
the exact per-value check, once per distinct value. The result is the same as running the exact
check on every cell, at a fraction of the cost.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable

from phiscope.detect.identifiers.contact import EMAIL_RE


def _line(p: str) -> re.Pattern[str]:
    # every line matches: the fast shape fills the groups, anything else matches `.*` and leaves
    # them empty, so the substitution maps a valid line to its value and any other line to "".
    return re.compile(rf"(?m)^(?:{p}|.*)$")


def _years(lo: int = 1890, hi: int | None = None) -> str:
    """Regex alternation for the 4-digit years lo..hi (dob.parse_date's plausible birth years)."""
    hi = _dt.date.today().year if hi is None else hi
    # compact: whole decades as one class, the rest literally
    out: list[str] = []
    y = lo
    while y <= hi:
        if y % 10 == 0 and y + 9 <= hi:
            out.append(f"{y // 10}[0-9]")
            y += 10
        else:
            out.append(str(y))
            y += 1
    return "(?:" + "|".join(out) + ")"


_SEP = r"[-/.]"
_D31 = r"(?:0[1-9]|[12][0-9]|3[01])"
_D30 = r"(?:0[1-9]|[12][0-9]|30)"
_D28 = r"(?:0[1-9]|1[0-9]|2[0-8])"  # Feb 29 is left to the exact check (leap years)
_M31 = r"(?:0[13578]|1[02])"
_M30 = r"(?:0[469]|11)"
_MD = rf"(?:{_M31}{_SEP}{_D31}|{_M30}{_SEP}{_D30}|02{_SEP}{_D28})"
_DM = rf"(?:{_D31}{_SEP}{_M31}|{_D30}{_SEP}{_M30}|{_D28}{_SEP}02)"
_N2 = "[0-9]{2}"


def _date_fast(dayfirst: bool) -> re.Pattern[str]:
    """YYYY-MM-DD (any of - / . as separators) and MM/DD/YYYY (DD/MM/YYYY when day-first), with
    two-digit month and day, a valid calendar day and a plausible year. Groups: year, month, day,
    each captured by a look-ahead so both layouts fill the same three groups."""
    y = _years()
    s = _SEP
    valid = rf"(?={y}{s}{_MD}$|{_DM if dayfirst else _MD}{s}{y}$)"
    year = rf"(?=(?:{_N2}{s}{_N2}{s})?({y})(?:{s}{_N2}{s}{_N2})?$)"
    if dayfirst:
        month = rf"(?=(?:{y}{s}|{_N2}{s})({_N2})(?:{s}{_N2}|{s}[0-9]{{4}})$)"
        day = rf"(?=(?:{y}{s}{_N2}{s})?({_N2})(?:{s}{_N2}{s}[0-9]{{4}})?$)"
    else:
        month = rf"(?=(?:{y}{s})?({_N2}){s}{_N2}(?:{s}[0-9]{{4}})?$)"
        day = rf"(?=(?:{y}{s}{_N2}{s}|{_N2}{s})({_N2})(?:{s}[0-9]{{4}})?$)"
    return _line(rf"{valid}{year}{month}{day}.+")


DATE_MDY = _date_fast(False)
DATE_DMY = _date_fast(True)

# "March 4, 1972" (English month names, as dob.TEXT_DATE_RE reads them): rewritten to ISO so the line
# goes through the fast shape above. Anything unusual ("4th of March") is left to the exact check.
_MONTHS_EN = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sept", "sep"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
_TEXT_MDY = re.compile(r"(?m)^(?P<mon>[A-Za-z]{3,9})\.? (?P<d>[1-9]|[12][0-9]|3[01]),? (?P<y>[0-9]{4})$")
_MONTH_NUM = {name: f"{i + 1:02d}" for i, names in enumerate(_MONTHS_EN) for name in names}


def text_dates_to_iso(joined: str) -> str:
    """'March 4, 1972' lines → '1972-03-04' (not yet checked), other lines unchanged."""

    def rep(m: re.Match[str]) -> str:
        mon = _MONTH_NUM.get(m.group("mon").lower())
        if mon is None:
            return m.group()
        d = m.group("d")
        return f"{m.group('y')}-{mon}-{d if len(d) == 2 else '0' + d}"

    return _TEXT_MDY.sub(rep, joined)


_DASHES_ONLY = re.compile(r"(?m)^--$")


def dates(joined: str, dayfirst: bool) -> str:
    """One ISO date (or "") per line."""
    pat = DATE_DMY if dayfirst else DATE_MDY
    return _DASHES_ONLY.sub("", "\n".join(map("-".join, pat.findall(joined))))


SSN = _line(
    r"[ \t]*(?:(?!000|666)([0-8][0-9]{2})[- ]?(?!00)([0-9]{2})[- ]?(?!0000)([0-9]{4})"
    r"|(9[0-9]{2})[- ]?(5[0-9]|6[0-5]|7[0-9]|8[0-8]|9[0-2]|9[4-9])[- ]?([0-9]{4}))[ \t]*"
)
# numbers the SSA or the press made public (us_ssn.ADVERTISED): never valid
SSN_ADVERTISED = re.compile(r"(?m)^(?:078051120|219099999|457555462)$")

# _v_phone: digits and separators only, 7-15 digits
PHONE = _line(r"(?=(?:[^0-9\n]*[0-9]){7,15}[^0-9\n]*$)([0-9 ()+./-]+)")
NON_DIGIT = re.compile(r"[^0-9\n]+")

EMAIL = _line(rf"({EMAIL_RE.pattern})")

# _v_zip: 5 digits (not 00000), optional -4
ZIP = _line(r"(?!00000)([0-9]{5})(?:-([0-9]{4}))?")

# _v_record: 5-20 letters/digits with at least 4 digits (no hyphen: those go to the exact check)
RECORD = _line(r"(?=(?:[^0-9\n]*[0-9]){4})([A-Za-z0-9]{5,20})")

# _v_address: printable ASCII, single spaces, >= 6 chars, a digit and a letter
ADDRESS = _line(r"(?! )(?!.*  )(?!.* $)(?=.*[0-9])(?=.*[A-Za-z])([ -~]{6,})")
MULTI_SPACE = re.compile(r" {2,}")
EDGE_SPACE = re.compile(r"(?m)^ | $")

# names.looks_like_name for plain ASCII names: 1-5 words of letters joined by - or ', 2-80 chars
_WORD = r"[A-Za-z]+(?:[-'][A-Za-z]+)*"
NAME = _line(rf"(?=.{{2,80}}$)({_WORD}(?: {_WORD}){{0,4}})")
NAME_PLACEHOLDERS = frozenset({"n/a", "na", "none", "null", "unknown", "test", "redacted", "anonymous"})

HAS_ALPHA = _line(r"(.*[A-Za-z].*)")
NON_WORD_SPACE = re.compile(r"[^\w\s]")
INNER_SPACE = re.compile(r"[^\S\n]+")


def _groups(pat: re.Pattern[str], joined: str) -> str:
    """Per line, the pattern's groups concatenated ("" where the fast shape does not fit), joined
    with newlines. findall + str.join stay in C (a template in re.sub runs Python per match)."""
    found = pat.findall(joined)
    if pat.groups == 1:
        return "\n".join(found)
    return "\n".join(map("".join, found))


def ssn(joined: str) -> str:
    """Digits of a valid SSN or ITIN per line."""
    return SSN_ADVERTISED.sub("", _groups(SSN, joined))


def phone(joined: str) -> str:
    return NON_DIGIT.sub("", _groups(PHONE, joined))


def email(joined: str) -> str:
    return _groups(EMAIL, joined).lower()


def zip_code(joined: str) -> str:
    return _groups(ZIP, joined)


def address(joined: str) -> str:
    s = _groups(ADDRESS, joined).lower().replace(",", " ")
    return EDGE_SPACE.sub("", MULTI_SPACE.sub(" ", s))


def record(joined: str) -> str:
    return _groups(RECORD, joined).upper()


def person_names(joined: str) -> str:
    """names.normalise_name of plain ASCII names (apostrophes become spaces), "" elsewhere."""
    return _groups(NAME, joined).lower().replace("'", " ")


def has_alpha(joined: str) -> str:
    return _groups(HAS_ALPHA, joined)
