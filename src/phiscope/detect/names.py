"""Person names: dictionary look-ups (first names x surnames) near capitalised tokens in free text,
and value checks for name columns and fields.

Why not spaCy NER: measured with trained en_core_web_md/sm from PyPI (bench/ner_names.py), NER
alone runs at ~50,000 chars/s (the whole free-text path here at ~2 M) and adds false positives
(street names, part numbers, sentence-initial words); it finds names the dictionary has no entry
and no cue for. The trade-off and its numbers: docs/detection.md, "Person names".
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import cache
from importlib import resources

# Title-case token sequences: "John Smith", "Mary-Ann O'Neil", "Jean-Pierre de la Fontaine".
_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĘĚĞŁŃŇŐŒŘŚŞŠŢŤŮŰŹŻŽ"
_LO = "a-zà-öø-ÿā-ž"
_TOK = rf"[{_UP}][{_LO}]+(?:[-'’][{_UP}{_LO}][{_LO}]+)?"
_PARTICLE = r"(?:de|du|des|van|von|der|den|da|das|dos|di|le|la|del|ter|ten)"
NAME_RE = re.compile(rf"{_TOK}(?:[ \t]+[A-Z]\.)?(?:[ \t]+(?:{_PARTICLE}[ \t]+){{0,2}}{_TOK}){{1,2}}")
TITLE_RE = re.compile(
    rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|M|Mme|Mlle|Madame|Monsieur)\.?[ \t]+(?P<n>{_TOK}(?:[ \t]+{_TOK})?)"
)
_VALUE_RE = re.compile(r"[^\W\d_]+(?:[-'’. ][^\W\d_]+)*\.?", re.UNICODE)
# Title-case words that are first names or surnames but, in running text, mostly are not names.
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "this",
        "that",
        "these",
        "those",
        "patient",
        "doctor",
        "nurse",
        "hospital",
        "clinic",
        "street",
        "avenue",
        "road",
        "type",
        "chronic",
        "acute",
        "date",
        "birth",
        "number",
        "name",
        "first",
        "last",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "new",
        "north",
        "south",
        "east",
        "west",
        "united",
        "states",
        "medical",
        "health",
        "care",
        "center",
        "centre",
        "insurance",
        "company",
        "dear",
        "regards",
        "sincerely",
        "thank",
        "thanks",
        "please",
        "note",
        "social",
        "security",
    ]
)


def _load(name: str) -> frozenset[str]:
    text = resources.files("phiscope.detect").joinpath(f"data/{name}.txt").read_text("utf-8")
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


@cache
def first_names() -> frozenset[str]:
    return _load("first_names") - _STOP


@cache
def last_names() -> frozenset[str]:
    return _load("last_names") - _STOP


def strip_accents(s: str) -> str:
    if s.isascii():  # nothing to decompose (the common case, at C speed)
        return s
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


_PUNCT = re.compile(r"[^\w\s-]")


def normalise_name(raw: str) -> str:
    """Case-fold, strip accents, drop punctuation, collapse whitespace; 'Smith, John' → 'john smith'."""
    s = raw.strip()
    if s.count(",") == 1:
        last, first = (p.strip() for p in s.split(","))
        if last and first:
            s = f"{first} {last}"
    if not s.isascii():
        s = strip_accents(s)
    s = s.casefold()
    if not s.replace(" ", "").replace("-", "").isalnum():
        s = _PUNCT.sub(" ", s)
    return " ".join(s.split())


def looks_like_name(value: str) -> bool:
    """A name-column/field value: 1-5 alphabetic words, no digits, not a placeholder."""
    v = value.strip()
    if not 2 <= len(v) <= 80 or _VALUE_RE.fullmatch(v.replace(",", " ")) is None:
        return False
    low = v.casefold()
    return low not in {"n/a", "na", "none", "null", "unknown", "test", "redacted", "anonymous"} and (
        len(v.replace(",", " ").split()) <= 5
    )


def is_dictionary_name(tokens: list[str]) -> bool:
    """First token a known first name and last token a known surname (case-folded)."""
    if len(tokens) < 2:
        return False
    f = tokens[0].casefold()
    last = tokens[-1].casefold()
    return f in first_names() and last in last_names() and f not in _STOP and last not in _STOP


_PRE = re.compile(
    r"(?<![a-z])(?:patient|patiente|name|nom|mr|mrs|ms|miss|mx|dr|doctor|m|mme|mlle|madame|monsieur|pt|client|member|"
    r"employee|insured|resident|nurse|dear|spouse|wife|husband|son|daughter|mother|father|contact)\.?[ \t]*[:,-]?[ \t]*$"  # noqa: E501
)
_POST = re.compile(
    r",?[ \t]+(?:was|is|has|had|presented|presents|reports|reported|complains|denies|underwent|died|visited|"
    r"called|lives|arrived|admitted|discharged|né|née|est|a été|\(dob|\(born|age[ds]?[ \t]+\d)\b"
)


def _in_dict(tokens: list[str]) -> int:
    """How many of (first token is a first name, last token is a surname) hold."""
    f = tokens[0].casefold()
    last = tokens[-1].casefold()
    return (f in first_names() and f not in _STOP) + (last in last_names() and last not in _STOP)


def find_names(text: str, strong_context: bool = False) -> list[tuple[int, int]]:
    """Spans of person names in free text.

    A capitalised sequence counts when its first token is a known first name and its last a known
    surname; when one of the two is known, or neither but a courtesy title or a cue ("Patient:",
    "... was admitted") surrounds it, it counts too. With a title a known surname alone suffices;
    `strong_context` (the text is a name field's value) accepts any capitalised pair.
    """
    out: list[tuple[int, int]] = []
    lower_cache: str | None = None
    for m in NAME_RE.finditer(text):
        toks = [t for t in m.group().split() if not (len(t) == 2 and t.endswith("."))]
        if any(t.casefold() in _STOP for t in toks):
            continue
        s, e = m.span()
        known = _in_dict(toks)
        if strong_context or known == 2:
            out.append((s, e))
            continue
        if lower_cache is None:
            lower_cache = text.lower()
        cue = (
            _PRE.search(lower_cache, max(0, s - 24), s) is not None or _POST.match(lower_cache, e) is not None
        )
        if cue:
            out.append((s, e))
    if "M" in text or "D" in text:
        # `out` is sorted and non-overlapping so far; a title's name inside one of those spans is
        # found by bisection (a scan of `out` per title made this quadratic in the text's length).
        # Names added below never contain a later title: matches do not overlap.
        spans = list(out)
        starts = [a for a, _ in spans]
        for m in TITLE_RE.finditer(text):
            s, e = m.span("n")
            i = bisect.bisect_right(starts, s) - 1
            if i >= 0 and s < spans[i][1]:
                continue
            toks = m.group("n").split()
            if toks[-1].casefold() in last_names() or len(toks) >= 2:
                out.append((s, e))
    out.sort()
    return out


_PARTICLES = frozenset(
    ["de", "du", "des", "van", "von", "der", "den", "da", "das", "dos", "di", "le", "la", "del", "ter", "ten"]
)


def is_plausible_name(value: str) -> bool:
    """Stricter check for a field merely called "name" (a product, a service, a file...): 2-4
    capitalised words, at least one a known first name or surname."""
    v = value.replace(",", " ")
    toks = v.split()
    if not 2 <= len(toks) <= 4 or not looks_like_name(value):
        return False
    if not all(t[0].isupper() or t.lower() in _PARTICLES for t in toks):
        return False
    fn, ln = first_names(), last_names()
    return any(t.casefold() in fn or t.casefold() in ln for t in toks)
