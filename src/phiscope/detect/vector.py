"""Whole-column checks for tables: C-speed passes over a column instead of Python per cell.

A column's cells are joined with newlines and one `findall` per layout turns every line into its
normalised value when it has the common, exactly-checkable shape of its kind ("" when not); a few
string-wide operations finish the normalisation (upper-casing, dropping separators). `findall` and
`str.join` stay in C; a group template in `re.sub` would run Python code per match (CPython 3.11).
The fast shape is a *sufficient* condition: it encodes the validator's rules (SSA ranges, calendar
days, ...) so a line it accepts passes the exact check with the same normalised value. Cells it
rejects go through the exact per-value check, once per distinct value. The result is the same as
running the exact check on every cell, at a fraction of the cost.

The `*_column` functions at the end give those per-cell lists; when the optional C module
`_shapes` is built they come from it instead (the same lists, tested on cells built around each
shape's edges, read once per cell in C: ~20-40 ns instead of ~150-900 ns).
"""

from __future__ import annotations

import datetime as _dt
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat

from phiscope.detect.identifiers.contact import EMAIL_RE

try:  # optional C loops (setup.py) giving the same lists as the regex passes below
    from phiscope.detect import _shapes  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the install
    _shapes = None

# shapes of _shapes.normalise
SHAPE_SSN, SHAPE_PHONE, SHAPE_ZIP, SHAPE_RECORD, SHAPE_NAME, SHAPE_DATE = range(1, 7)
SHAPE_EMAIL, SHAPE_ADDRESS, SHAPE_ORG = range(7, 10)
YEAR_MAX = _dt.date.today().year  # latest plausible birth year (dob.parse_date's)


def _line(p: str) -> re.Pattern[str]:
    # every line matches: the fast shape fills the groups, anything else matches `.*` and leaves
    # them empty, so the substitution maps a valid line to its value and any other line to "".
    return re.compile(rf"(?m)^(?:{p}|.*)$")


def _keep(p: str) -> re.Pattern[str]:
    # the lines that are not entirely `p`, each with the newline in front of it: `_kept` blanks them
    # and leaves every other line as it is (no per-line object, unlike findall). Led by a literal
    # newline, so the regex engine jumps from line to line instead of trying every character.
    return re.compile(rf"(?m)\n(?!(?:{p})$)[^\n]+")


def _kept(pat: re.Pattern[str], joined: str) -> str:
    """The joined lines with every line the `_keep` pattern rejects made empty."""
    return pat.sub("\n", "\n" + joined)[1:]


def _years(hi: int | None = None) -> str:
    """Regex for the 4-digit years 1890..hi (dob.parse_date's plausible birth years; hi in 2000s)."""
    hi = _dt.date.today().year if hi is None else hi
    assert 2000 <= hi <= 2099
    d, u = divmod(hi - 2000, 10)
    recent = (f"20[0-{d - 1}][0-9]|" if d > 0 else "") + f"20{d}[0-{u}]"
    return f"(?:189[0-9]|19[0-9]{{2}}|{recent})"


_SEP = r"[-/.]"
_D31 = r"(?:0[1-9]|[12][0-9]|3[01])"
_D30 = r"(?:0[1-9]|[12][0-9]|30)"
_D28 = r"(?:0[1-9]|1[0-9]|2[0-8])"  # Feb 29 is left to the exact check (leap years)
_M31 = r"(?:0[13578]|1[02])"
_M30 = r"(?:0[469]|11)"
_MD = rf"(?:{_M31}{_SEP}{_D31}|{_M30}{_SEP}{_D30}|02{_SEP}{_D28})"
_DM = rf"(?:{_D31}{_SEP}{_M31}|{_D30}{_SEP}{_M30}|{_D28}{_SEP}02)"
_N2 = "[0-9]{2}"


def _date_fast(dayfirst: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """YYYY-MM-DD (any of - / . as separators; one group, separators fixed afterwards), and
    MM/DD/YYYY (DD/MM/YYYY when day-first) with two-digit month and day: three groups, year, month,
    day (the year through a look-ahead). Checked by DATE_INVALID afterwards."""
    s = _SEP
    iso = _line(rf"([0-9]{{4}}{s}{_N2}{s}{_N2})")
    if dayfirst:
        other = rf"(?={_N2}{s}{_N2}{s}([0-9]{{4}})$)(?={_N2}{s}({_N2}))({_N2}){s}{_N2}{s}[0-9]{{4}}"
    else:
        other = rf"(?={_N2}{s}{_N2}{s}([0-9]{{4}})$)({_N2}){s}({_N2}){s}[0-9]{{4}}"
    return iso, _line(other)


DATE_MDY = _date_fast(False)
DATE_DMY = _date_fast(True)
# a YYYY-MM-DD line that is not a calendar day (Feb 29 left to the exact check) or a plausible year
# ("--" from a line that did not fit either layout included)
# (a `_keep` pattern: the lines it blanks)
DATE_INVALID = _keep(rf"{_years(YEAR_MAX)}-(?:{_M31}-{_D31}|{_M30}-{_D30}|02-{_D28})")

# "March 4, 1972" (English month names, as dob.TEXT_DATE_RE reads them), a third layout. Anything
# unusual ("4th of March") is left to the exact check.
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
_MONTH_NUM = {name: f"{i + 1:02d}" for i, names in enumerate(_MONTHS_EN) for name in names}
TEXT_DATE = _line(
    r"(?=[A-Za-z]{3,9}\.? [0-9]{1,2},? ([0-9]{4})$)([A-Za-z]{3,9})\.? ([1-9]|[12][0-9]|3[01]),? [0-9]{4}"
)
_ALPHA = re.compile(r"[A-Za-z]")


_DAY2 = {"": "", **{str(d): f"{d:02d}" for d in range(1, 32)}}


def _text_dates(joined: str) -> Iterable[str]:
    """Per line "YYYY-MM-DD" (unchecked) for "March 4, 1972" lines, "--" elsewhere (an unknown
    month leaves "YYYY--DD", which the check rejects); C-level maps only."""
    if joined.isascii():  # month names lower-cased at once (ASCII: positions and lines unchanged)
        years, months, days = zip(*TEXT_DATE.findall(joined.lower()), strict=True)
        mm = map(_MONTH_NUM.get, months, repeat(""))
    else:
        years, months, days = zip(*TEXT_DATE.findall(joined), strict=True)
        mm = map(_MONTH_NUM.get, map(str.lower, months), repeat(""))
    return map("-".join, zip(years, mm, map(_DAY2.__getitem__, days), strict=True))


def dates(joined: str, dayfirst: bool) -> str:
    """One ISO date (or "") per line. A line fits at most one layout; each layout gives "--" on
    the lines it does not fit, so the per-line concatenation minus "--" is the one that fits."""
    iso, other = DATE_DMY if dayfirst else DATE_MDY
    merged = map(operator.add, iso.findall(joined), map("-".join, other.findall(joined)))
    if _ALPHA.search(joined):
        merged = map(operator.add, merged, _text_dates(joined))
    text = "\n".join(merged).replace("--", "")
    if "/" in text or "." in text:
        text = text.replace("/", "-").replace(".", "-")
    return _kept(DATE_INVALID, text)


# Each kind's fast shape as a `_keep` pattern: lines entirely of the shape stay as they are (then a
# few string-wide operations normalise them), every other line becomes "".
SSN = _keep(
    r"[ \t]*(?:(?!000|666)[0-8][0-9]{2}[- ]?(?!00)[0-9]{2}[- ]?(?!0000)[0-9]{4}"
    r"|9[0-9]{2}[- ]?(?:5[0-9]|6[0-5]|7[0-9]|8[0-8]|9[0-2]|9[4-9])[- ]?[0-9]{4})[ \t]*"
)
# numbers the SSA or the press made public (us_ssn.ADVERTISED): never valid
_SSN_ADVERTISED = ("078051120", "219099999", "457555462")
SSN_ADVERTISED = re.compile(rf"\n(?:{'|'.join(_SSN_ADVERTISED)})(?=\n)")

# _v_phone: digits and separators only, 7-15 digits
PHONE = _keep(r"[0-9 ()+./-]+")
_PHONE_BAD_LENGTH = re.compile(r"\n(?:[0-9]{1,6}|[0-9]{16,})(?=\n)")

EMAIL = _keep(EMAIL_RE.pattern)

# _v_zip: 5 digits (not 00000), optional -4
ZIP = _keep(r"(?!00000)[0-9]{5}(?:-[0-9]{4})?")

# _v_record: 5-20 letters/digits with at least 4 digits (no hyphen: those go to the exact check)
RECORD = _keep(r"(?=(?:[^0-9\n]*[0-9]){4})[A-Za-z0-9]{5,20}")

# _v_address on ASCII text: whitespace collapsed, then >= 6 chars, a digit and a letter. Led by a
# literal newline (the text gets one in front) so the regex engine jumps from line to line.
_ADDRESS_REJECT = re.compile(r"(?m)\n(?:.{0,5}|[^0-9\n]*|[^A-Za-z\n]*)$")
EDGE_SPACE = re.compile(r"(?m)^ | $")

# names.looks_like_name for plain ASCII names: 1-5 words of letters joined by - or ', 2-80 chars
_WORD = r"[A-Za-z]+(?:[-'][A-Za-z]+)*"
NAME = _keep(rf"(?=.{{2,80}}$){_WORD}(?: {_WORD}){{0,4}}")
NAME_PLACEHOLDERS = frozenset({"n/a", "na", "none", "null", "unknown", "test", "redacted", "anonymous"})

HAS_ALPHA = _keep(r"[^A-Za-z\n]*[A-Za-z].*")


def ssn(joined: str) -> str:
    """Digits of a valid SSN or ITIN per line."""
    d = _kept(SSN, joined).replace("-", "").replace(" ", "").replace("\t", "")
    if any(a in d for a in _SSN_ADVERTISED):
        d = SSN_ADVERTISED.sub("\n", f"\n{d}\n")[1:-1]
    return d


def phone(joined: str) -> str:
    """Digits of lines made of digits and separators only, holding 7-15 digits."""
    d = _kept(PHONE, joined)
    for c in " ()+./-":
        d = d.replace(c, "")
    return _PHONE_BAD_LENGTH.sub("\n", f"\n{d}\n")[1:-1]


def email(joined: str) -> str:
    return _kept(EMAIL, joined).lower()


def zip_code(joined: str) -> str:
    return _kept(ZIP, joined).replace("-", "")


_ODD_CHARS = "\t\r\x0b\x0c\x1c\x1d\x1e\x1f"  # ASCII whitespace besides " " and "\n"
_ODD_ONLY = re.compile(r"[\t\r\x0b\x0c\x1c-\x1f]")


def collapse_spaces(text: str) -> str:
    """ " ".join(line.split()) on every line of ASCII text at once, with str.replace (memchr speed;
    a regex pass costs ~10 ns per character)."""
    if any(c in text for c in _ODD_CHARS):
        text = _ODD_ONLY.sub(" ", text)
    while "  " in text:
        text = text.replace("  ", " ")
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if "\n " in text:
        text = text.replace("\n ", "\n")
    if text[:1] == " ":
        text = text[1:]
    if text[-1:] == " ":
        text = text[:-1]
    return text


# ASCII punctuation → space: re.sub(r"[^\w\s]", " ", s) for ASCII text, as one str.translate
PUNCT_TO_SPACE = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_" or c.isspace())}
)


def address(joined: str) -> str | None:
    """Normalised address per line ("" where _v_address rejects it); None for non-ASCII text."""
    if not joined.isascii():
        return None
    s = _ADDRESS_REJECT.sub("\n", "\n" + collapse_spaces(joined))[1:]
    return collapse_spaces(s.lower().replace(",", " "))


def record(joined: str) -> str:
    return _kept(RECORD, joined).upper()


def person_names(joined: str) -> str:
    """names.normalise_name of plain ASCII names (apostrophes become spaces), "" elsewhere."""
    return _kept(NAME, joined).lower().replace("'", " ")


def has_alpha(joined: str) -> str:
    return _kept(HAS_ALPHA, joined)


# ---- per-cell lists: the C loop when built, else the regex pass over the joined column ----------


def by_lines(col: Sequence[str], fn: Callable[[str], str | None]) -> list[str] | None:
    """`fn` (a pass over newline-joined cells) as one value per cell; None when it cannot run (a
    cell holds a newline, or `fn` declines the text) and the caller takes the exact path."""
    joined = "\n".join(col)
    if joined.count("\n") != len(col) - 1:
        return None
    text = fn(joined)
    if text is None:
        return None
    out = text.split("\n")
    return out if len(out) == len(col) else None


def _compiled(
    shape: int, fallback: Callable[[str], str | None], arg: int = 0
) -> Callable[[Sequence[str]], list[str] | None]:
    def column(col: Sequence[str]) -> list[str] | None:
        if _shapes is not None:
            return _shapes.normalise(col, shape, arg)  # type: ignore[no-any-return,unused-ignore]
        return by_lines(col, fallback)

    return column


ssn_column = _compiled(SHAPE_SSN, ssn)
phone_column = _compiled(SHAPE_PHONE, phone)
zip_column = _compiled(SHAPE_ZIP, zip_code)
record_column = _compiled(SHAPE_RECORD, record)
person_name_column = _compiled(SHAPE_NAME, person_names)
_DATE_COLUMNS = (
    _compiled(SHAPE_DATE, lambda j: dates(j, False), YEAR_MAX),
    _compiled(SHAPE_DATE, lambda j: dates(j, True), -YEAR_MAX),
)


def date_column(col: Sequence[str], dayfirst: bool) -> list[str] | None:
    """ISO date (or "") per cell."""
    return _DATE_COLUMNS[dayfirst](col)


email_column = _compiled(SHAPE_EMAIL, email)
address_column = _compiled(SHAPE_ADDRESS, address)


def org_column(col: Sequence[str]) -> list[str] | None:
    """engine.normalise_org per cell holding a letter ("" elsewhere); C loop only (None without it:
    the engine then takes its string-wide path)."""
    return None if _shapes is None else _shapes.normalise(col, SHAPE_ORG)  # type: ignore[no-any-return,unused-ignore]
