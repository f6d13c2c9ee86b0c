"""Spoken numbers → the digits a text detector can match.

Speech recognisers write "one two three, four five, ..." or "1, 2, 3, 4, ..." for an identifier read
out digit by digit, and "March fourth nineteen seventy two" for a birth date. A regex detector finds
neither. These pure functions rewrite such runs into "123-45-6789" and "March 4, 1972" while keeping
each word's timestamps, so a detection in audio can say where (start/end seconds) it was heard.

The only identifier knowledge here is about *how people read numbers aloud* (grouping, "oh" for zero,
"double five", years as two pairs) and a short list of cue phrases ("social security", "date of birth",
"member ID") whose following digit window is formatted the way that kind of number is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Cue",
    "Piece",
    "Word",
    "find_cues",
    "normalize_text",
    "normalize_words",
    "number_strength",
    "shape_score",
]


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its timestamps (seconds), as the ASR engine gave it."""

    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True, slots=True)
class Piece:
    """A span of normalised output: a plain word, a digit run ("number") or a date.

    `label` names the cue phrase heard just before a number/date ("social security number"), so
    detection can use it as context the way it uses a column header. `trail` is the punctuation
    that followed the span (kept so sentences can still be split).
    """

    text: str
    kind: str  # "word" | "number" | "date"
    start: float | None = None
    end: float | None = None
    label: str | None = None
    trail: str = ""


# --- vocabularies -------------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "naught": 0, "nil": 0,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_ZERO_WORDS = frozenset({"oh", "o", "nil"})  # digits only when next to another number
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000}
_REPEAT = {"double": 2, "triple": 3}
_ORD_UNITS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9,
}  # fmt: skip
_ORD_OTHER = {
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30,
}  # fmt: skip
_MONTHS = {
    "january": "January", "jan": "January", "february": "February", "feb": "February",
    "march": "March", "mar": "March", "april": "April", "apr": "April", "may": "May",
    "june": "June", "jun": "June", "july": "July", "jul": "July", "august": "August", "aug": "August",
    "september": "September", "sept": "September", "sep": "September", "october": "October",
    "oct": "October", "november": "November", "nov": "November", "december": "December",
    "dec": "December",
}  # fmt: skip
# Words a recogniser writes for a digit it misheard. Only read as digits inside a digit run, or
# right after a cue phrase ("social security ... for 0 6 5") when a real digit follows.
_HOMOPHONES = {
    "to": "2", "too": "2", "for": "4", "fore": "4", "ate": "8", "won": "1", "free": "3", "tree": "3",
    "nein": "9", "nero": "0",
}  # fmt: skip
# Known lengths: a run one digit too long that ends in "one <word>" ("..., 9, 1 moment") lost
# the full stop before "one moment"; the cue says how many digits the number has.
_CUE_DIGITS = {"ssn": 9}
_SEP_WORDS = frozenset({"dash", "hyphen", "slash"})

# Cue phrases → (label, how the following digit window is written).
_CUES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("social", "security"), "social security number", "ssn"),
    (("social",), "social security number", "ssn"),
    (("ssn",), "social security number", "ssn"),
    (("date", "of", "birth"), "date of birth", "dob"),
    (("birth", "date"), "date of birth", "dob"),
    (("birthday",), "date of birth", "dob"),
    (("dob",), "date of birth", "dob"),
    (("birth",), "date of birth", "dob"),  # "date on birth": a small model's usual slip
    (("birthdays",), "date of birth", "dob"),
    (("born",), "date of birth", "dob"),
    (("member", "id"), "member id", "id"),
    (("member", "number"), "member id", "id"),
    (("member", "i.d"), "member id", "id"),
    (("subscriber",), "subscriber id", "id"),
    (("medical", "record"), "medical record number", "id"),
    (("mrn",), "medical record number", "id"),
    (("policy",), "policy number", "id"),
    (("account",), "account number", "id"),
    (("medicare",), "medicare number", "id"),
    (("medicaid",), "medicaid number", "id"),
    (("insurance",), "insurance id", "id"),
    (("patient", "id"), "patient id", "id"),
    (("phone",), "phone number", "phone"),
    (("callback",), "phone number", "phone"),
    (("zip",), "zip code", "id"),
)
_CUE_WINDOW = 14  # tokens after a cue phrase within which a number is taken to be "its" value
_MIN_DIGITS = 3  # shorter spoken runs ("two weeks", "one of them") stay words

_EDGE_PUNCT = "\"'“”‘’()[]{}<>"
_TRAIL_RE = re.compile(r"[,.;:!?]+$")
_DIGITS_RE = re.compile(r"^\d+$")
_LITERAL_RE = re.compile(r"^\d+(?:[-/.]\d+)+$")  # 123-45-6789, 03/04/1972
_DECIMAL_RE = re.compile(r"^\d\.\d$")
_LONG_DECIMAL_RE = re.compile(r"^\d+\.\d+$")  # "0.7231487": digits, but only after a cue
_ORD_LITERAL_RE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")


@dataclass(slots=True)
class _Tok:
    core: str  # lower-case, punctuation stripped
    raw: str  # as written, edge quotes stripped, trailing punctuation removed
    trail: str  # trailing punctuation
    start: float | None
    end: float | None


def _tokens(words: list[Word]) -> list[_Tok]:
    out: list[_Tok] = []
    for w in words:
        for part in w.text.split():
            # Whisper's word tokens carry the group dash of "297-54-2364" as a prefix ("-54"), or
            # alone ("-"): it belongs to the previous token as a separator.
            if part.startswith("-") and out:
                if not out[-1].trail:
                    out[-1].trail = "-"
                part = part.lstrip("-")
            raw = part.strip(_EDGE_PUNCT).lstrip(".,;:")
            m = _TRAIL_RE.search(raw)
            trail = m.group(0) if m else ""
            raw = raw[: len(raw) - len(trail)] if trail else raw
            core = raw.lower()
            # "seventy-two", "one-two-three": split number words joined by hyphens.
            bits = core.split("-")
            if len(bits) > 1 and all(_is_number_word(b) for b in bits):
                for j, b in enumerate(bits):
                    out.append(_Tok(b, b, trail if j == len(bits) - 1 else "", w.start, w.end))
                continue
            if raw or trail:
                out.append(_Tok(core, raw, trail, w.start, w.end))
    return out


def _is_number_word(s: str) -> bool:
    return s in _UNITS or s in _TEENS or s in _TENS or s in _ORD_UNITS or s in _ORD_OTHER


# --- atoms: the smallest spoken number units --------------------------------------------------------


@dataclass(slots=True)
class _Atom:
    digits: str
    end: int  # index of the token after the atom
    hard: bool = False  # written as digits by the recogniser (a group boundary of its own)
    literal: str | None = None  # a token already formatted (123-45-6789): kept verbatim
    guessed: bool = False  # a homophone ("for" → 4), not a number word


def _cardinal(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """'two thousand and five', 'five hundred twelve' → (value, next index); needs a scale word."""
    total, current, j, seen_scale = 0, 0, i, False
    while j < len(toks):
        c = toks[j].core
        if c in _UNITS and c not in _ZERO_WORDS:
            current += _UNITS[c]
        elif c in _TEENS:
            current += _TEENS[c]
        elif c in _TENS:
            current += _TENS[c]
        elif c == "hundred" and current:
            current *= 100
            seen_scale = True
        elif c == "thousand" and (current or total):
            total += (current or 1) * 1000
            current = 0
            seen_scale = True
        elif c == "and" and seen_scale and j + 1 < len(toks) and _is_number_word(toks[j + 1].core):
            pass
        else:
            break
        if toks[j].trail:
            j += 1
            break
        j += 1
    if not seen_scale:
        return None
    return total + current, j


def _atom(toks: list[_Tok], i: int, loose: bool = False) -> _Atom | None:
    """The number unit starting at token i, if any (`loose`: in a cue window, "0.7231" is digits)."""
    t = toks[i]
    c = t.core
    if _DIGITS_RE.match(c):
        return _Atom(c, i + 1, hard=len(c) > 1)
    if _DECIMAL_RE.match(c):  # "5.9, 7, 0.8": a recogniser's rendering of digits read one by one
        return _Atom(c.replace(".", ""), i + 1)
    if loose and _LONG_DECIMAL_RE.match(c):
        return _Atom(c.replace(".", ""), i + 1, hard=True)
    if _LITERAL_RE.match(c):
        return _Atom(re.sub(r"\D", "", c), i + 1, hard=True, literal=t.raw)
    nxt = toks[i + 1].core if i + 1 < len(toks) and not t.trail else ""
    if c in _REPEAT and i + 1 < len(toks):
        inner = _atom(toks, i + 1)
        if inner is not None and len(inner.digits) == 1:
            return _Atom(inner.digits * _REPEAT[c], inner.end)
        return None
    if nxt in _SCALES and (c in _UNITS or c in _TEENS or c in _TENS) and c not in _ZERO_WORDS:
        card = _cardinal(toks, i)
        if card is not None:
            return _Atom(str(card[0]), card[1])
    if c in _UNITS:
        return _Atom(str(_UNITS[c]), i + 1)
    if c in _TEENS:
        return _Atom(str(_TEENS[c]), i + 1)
    if c in _TENS:
        if nxt in _UNITS and nxt not in _ZERO_WORDS and _UNITS[nxt]:
            return _Atom(str(_TENS[c] + _UNITS[nxt]), i + 2)
        return _Atom(str(_TENS[c]), i + 1)
    return None


def _homophone(toks: list[_Tok], i: int, loose: bool = False) -> _Atom | None:
    """'to', 'for', 'ate', 'free' followed by a real digit: a misheard digit.

    Inside a run always; at the start of a run only in a cue window (`loose`), where "for 0 6 5 ..."
    is "4 0 6 5 ..." but "for 2 hours" elsewhere stays words.
    """
    d = _HOMOPHONES.get(toks[i].core)
    if d is None or toks[i].trail not in ("", ",", "-"):
        return None
    nxt = _atom(toks, i + 1, loose) if i + 1 < len(toks) else None
    if nxt is None and loose and i + 2 < len(toks):  # "free to 2": two homophones in a row
        nxt = _homophone(toks, i + 1) if _atom(toks, i + 2, loose) is not None else None
    return _Atom(d, i + 1, guessed=True) if nxt is not None else None


def _run(toks: list[_Tok], i: int, loose: bool = False) -> tuple[list[_Atom], list[bool], int] | None:
    """A digit run from token i: atoms, whether a separator follows each, and the next index.

    `loose`: inside a cue window, where misheard digits may also start the run.
    """
    atoms: list[_Atom] = []
    seps: list[bool] = []
    j = i
    while j < len(toks):
        a = _atom(toks, j, loose)
        # outside a cue window only once a digit-by-digit reading is under way ("5 to 6 weeks" stays)
        ended = j > 0 and toks[j - 1].trail.endswith((".", "?", "!"))
        if a is None and (loose or len(atoms) >= 2) and not ended:
            a = _homophone(toks, j, loose)
        if a is None:
            break
        last = toks[a.end - 1]
        atoms.append(a)
        j = a.end
        sep = last.trail in (",", "-")
        if j < len(toks) and toks[j].core in _SEP_WORDS and not last.trail:
            nxt_atom = _atom(toks, j + 1) if j + 1 < len(toks) else None
            if nxt_atom is None:
                break
            sep = True
            j += 1
        seps.append(sep)
        if last.trail and not sep:  # a full stop / question mark ends the run
            break
    if not atoms:
        return None
    # a run opened by a guess needs real digits behind it: "for two hours" after a cue stays words
    if atoms[0].guessed and sum(len(a.digits) for a in atoms if not a.guessed) < _MIN_DIGITS:
        return None
    # "oh" on its own ("Oh, I see") is an interjection, not a zero.
    if len(atoms) == 1 and toks[i].core in _ZERO_WORDS:
        return None
    return atoms, seps, j


def _trim_to_length(atoms: list[_Atom], seps: list[bool], j: int, toks: list[_Tok], want: int) -> int:
    """Drop a final "one"/"1" read as a word ("9, 1 moment") when it makes the run one too long."""
    total = sum(len(a.digits) for a in atoms)
    last = atoms[-1]
    if (
        total == want + 1
        and last.digits == "1"
        and not toks[j - 1].trail
        and j < len(toks)
        and toks[j].core.isalpha()
        and _atom(toks, j) is None
    ):
        atoms.pop()
        seps.pop()
        return j - 1
    return j


def _chunks(atoms: list[_Atom], seps: list[bool]) -> list[str]:
    """Group digits the way they were read: at commas/"dash", and at numbers written as digits."""
    chunks: list[str] = []
    cur = ""
    for k, a in enumerate(atoms):
        if a.hard and cur:
            chunks.append(cur)
            cur = ""
        cur += a.digits
        if seps[k] or a.hard:
            chunks.append(cur)
            cur = ""
    if cur:
        chunks.append(cur)
    # A recogniser that puts a comma after every digit says nothing about grouping: merge
    # consecutive single digits back together ("1, 2, 3, 45, 6789" → 123 45 6789).
    merged: list[str] = []
    from_singles = False
    for ch in chunks:
        if len(ch) == 1 and merged and from_singles:
            merged[-1] += ch
        else:
            merged.append(ch)
            from_singles = len(ch) == 1
    return merged


def _format(chunks: list[str], cue: str | None) -> str:
    """Write a digit run the way that kind of number is written down."""
    digits = "".join(chunks)
    if cue == "dob":
        if len(chunks) == 3:
            return "/".join(chunks)
        if len(digits) == 8:
            return f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
        if len(digits) == 6:
            return f"{digits[:2]}/{digits[2:4]}/{digits[4:]}"
        return digits
    if cue == "id":
        return digits
    if len(chunks) > 1:
        if cue == "ssn" and len(digits) == 9 and [len(c) for c in chunks] != [3, 2, 4]:
            return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
        return "-".join(chunks)
    if len(digits) == 9:
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    if len(digits) == 10 and cue in (None, "phone"):
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return digits


# --- dates ----------------------------------------------------------------------------------------------


def _day(toks: list[_Tok], i: int, ordinal_only: bool = False) -> tuple[int, int] | None:
    """A day of the month at token i: '4th', 'fourth', 'twenty fourth', '4', 'twenty four'."""
    if i >= len(toks):
        return None
    c = toks[i].core
    value: int | None = None
    j = i + 1
    if m := _ORD_LITERAL_RE.match(c):
        value = int(m.group(1))
    elif c in _ORD_UNITS:
        value = _ORD_UNITS[c]
    elif c in _ORD_OTHER:
        value = _ORD_OTHER[c]
    elif c in _TENS and not toks[i].trail and i + 1 < len(toks) and toks[i + 1].core in _ORD_UNITS:
        value, j = _TENS[c] + _ORD_UNITS[toks[i + 1].core], i + 2
    elif not ordinal_only:
        if _DIGITS_RE.match(c) and len(c) <= 2:
            value = int(c)
        elif c not in _ZERO_WORDS and (c in _UNITS or c in _TEENS or c in _TENS):
            a = _atom(toks, i)
            if a is not None:
                value, j = int(a.digits), a.end
    if value is None or not 1 <= value <= 31:
        return None
    return value, j


def _year(toks: list[_Tok], i: int) -> tuple[str, int] | None:
    """A four-digit year: '1972', 'nineteen seventy two', 'two thousand five', 'nineteen oh five'."""
    if i >= len(toks):
        return None
    if _DIGITS_RE.match(toks[i].core) and len(toks[i].core) == 4:
        return toks[i].core, i + 1
    digits, j = "", i
    while len(digits) < 4 and j < len(toks):
        if toks[j].core in _ZERO_WORDS and not digits:
            return None
        a = _atom(toks, j)
        if a is None or a.hard:
            return None
        digits += a.digits
        if toks[a.end - 1].trail and len(digits) < 4:
            return None
        j = a.end
    if len(digits) != 4 or not digits.startswith(("1", "2")):
        return None
    return digits, j


def _date(toks: list[_Tok], i: int) -> tuple[str, int] | None:
    """'March fourth nineteen seventy two' / 'the 4th of March, 1972' → ('March 4, 1972', next)."""
    c = toks[i].core
    month: str | None = None
    day: tuple[int, int] | None = None
    if c in _MONTHS and not toks[i].trail:
        month = _MONTHS[c]
        k = i + 1
        if k < len(toks) and toks[k].core == "the" and not toks[k].trail:
            k += 1
        day = _day(toks, k)
    else:
        k = i + 1 if c == "the" and not toks[i].trail else i
        d = _day(toks, k, ordinal_only=True)
        if d is not None and d[1] + 1 < len(toks) and toks[d[1]].core == "of" and not toks[d[1] - 1].trail:
            m = toks[d[1] + 1].core
            if m in _MONTHS:
                month = _MONTHS[m]
                day = (d[0], d[1] + 2)
    if month is None or day is None:
        return None
    value, j = day
    text = f"{month} {value}"
    if not toks[j - 1].trail or toks[j - 1].trail == ",":
        if j < len(toks) and toks[j].core == "of" and not toks[j].trail:
            y = _year(toks, j + 1)
        else:
            y = _year(toks, j)
        if y is not None:
            text += f", {y[0]}"
            j = y[1]
    return text, j


# --- the pass ---------------------------------------------------------------------------------------------


def _cue_at(toks: list[_Tok], i: int) -> tuple[str, str, int] | None:
    for phrase, label, kind in _CUES:
        n = len(phrase)
        if tuple(t.core for t in toks[i : i + n]) == phrase:
            return label, kind, n
    return None


def _word(t: _Tok) -> Piece:
    return Piece(t.raw, "word", t.start, t.end, trail=t.trail)


def _trailing_cue(toks: list[_Tok]) -> tuple[tuple[str, str] | None, int]:
    """The last cue phrase in `toks` and how many tokens of its window remain after them."""
    for i in range(len(toks) - 1, max(-1, len(toks) - _CUE_WINDOW - 4), -1):
        hit = _cue_at(toks, i)
        if hit is not None:
            label, kind, n = hit
            return (label, kind), i + n + _CUE_WINDOW - len(toks)
    return None, -1


def normalize_words(words: list[Word], context: list[Word] | None = None) -> list[Piece]:
    """Recognised words (with timestamps) → pieces whose numbers and dates are written as digits.

    `context` is what was heard just before (the previous utterance): a cue phrase there ("what is
    your social security number?") still labels and formats a number at the start of `words`.
    """
    toks = _tokens(words)
    out: list[Piece] = []
    cue, cue_until = _trailing_cue(_tokens(context)) if context else (None, -1)
    i = 0
    while i < len(toks):
        hit = _cue_at(toks, i)
        if hit is not None:
            cue_label, kind, n = hit
            out.extend(_word(t) for t in toks[i : i + n])
            cue, cue_until = (cue_label, kind), i + n + _CUE_WINDOW
            i += n
            continue
        active = cue if i <= cue_until else None
        label = active[0] if active else None
        d = _date(toks, i)
        if d is not None:
            text, j = d
            out.append(Piece(text, "date", toks[i].start, toks[j - 1].end, label, toks[j - 1].trail))
            i = j
            continue
        r = _run(toks, i, loose=active is not None)
        if r is None:
            out.append(_word(toks[i]))
            i += 1
            continue
        atoms, seps, j = r
        if active is not None and active[1] in _CUE_DIGITS:
            j = _trim_to_length(atoms, seps, j, toks, _CUE_DIGITS[active[1]])
        n_digits = sum(len(a.digits) for a in atoms)
        last = toks[j - 1]
        trail = last.trail if last.trail not in (",", "-") or j >= len(toks) else ""
        if len(atoms) == 1 and atoms[0].literal is not None:
            text = atoms[0].literal
        elif n_digits < _MIN_DIGITS and (active is None or len(atoms) == 1):  # "give me one moment"
            out.extend(_word(t) for t in toks[i:j])
            i = j
            continue
        else:
            text = _format(_chunks(atoms, seps), active[1] if active else None)
        out.append(Piece(text, "number", toks[i].start, last.end, label, trail))
        i = j
    return out


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue phrase heard ("social security", "date of birth") and when: where a number will follow."""

    label: str
    kind: str  # how the number after it is written: "ssn" | "dob" | "id" | "phone"
    start: float | None
    end: float | None


def find_cues(words: list[Word]) -> list[Cue]:
    """Every cue phrase in `words`, with the times of its first and last word."""
    toks = _tokens(words)
    out: list[Cue] = []
    i = 0
    while i < len(toks):
        hit = _cue_at(toks, i)
        if hit is None:
            i += 1
            continue
        label, kind, n = hit
        out.append(Cue(label, kind, toks[i].start, toks[i + n - 1].end))
        i += n
    return out


_STRONG_WORDS = (
    frozenset([*_UNITS, *_TEENS, *_TENS, *_SCALES, *_REPEAT, *_MONTHS, *_ORD_UNITS, *_ORD_OTHER])
    - _ZERO_WORDS
)
_WEAK_WORDS = frozenset([*_HOMOPHONES, *_SEP_WORDS, *_ZERO_WORDS])
_HAS_DIGIT_RE = re.compile(r"\d")


def number_strength(text: str) -> int:
    """How surely one recognised word belongs to a spoken number: 2 digits/number words/months,
    1 words that are digits only next to others ("to", "for", "oh", "dash"), 0 anything else.

    Used to find where a number is read out in a fast first transcript, even a garbled one.
    """
    if _HAS_DIGIT_RE.search(text):
        return 2
    core = text.strip().strip(_EDGE_PUNCT + ",.;:!?-").lower()
    if core in _STRONG_WORDS:
        return 2
    return 1 if core in _WEAK_WORDS else 0


# How many digits a number after a cue has when heard right (a dropped or doubled digit changes it).
_SHAPES: dict[str, frozenset[int]] = {
    "social security number": frozenset({9}),
    "phone number": frozenset({7, 10}),
    "date of birth": frozenset({6, 8}),  # 03/14/72, 03/14/1972 (a "March 14, 1972" date fits too)
}


def shape_score(pieces: list[Piece]) -> int:
    """+1 per number heard after a cue with the length that kind of number has, -1 per one without.

    Two transcripts of the same stretch disagree mostly by a dropped or doubled digit; the one
    whose SSN has 9 digits is the likelier right one.
    """
    score = 0
    for p in pieces:
        want = _SHAPES.get(p.label or "")
        if want is None or p.kind not in ("number", "date"):
            continue
        fits = (p.kind == "date" and p.label == "date of birth") or sum(c.isdigit() for c in p.text) in want
        score += 1 if fits else -1
    return score


def render(pieces: list[Piece]) -> str:
    """Pieces → one line of text (what a detector reads)."""
    return " ".join(p.text + p.trail for p in pieces)


def normalize_text(text: str) -> str:
    """Plain-text convenience over `normalize_words` (no timestamps)."""
    return render(normalize_words([Word(text)]))
