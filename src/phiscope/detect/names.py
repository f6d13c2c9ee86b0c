"""Person names: dictionary look-ups (first names x surnames) near capitalised tokens in free text,
and value checks for name columns and fields.

Why not spaCy: no English model installs from PyPI here (models ship from GitHub releases), and the
statistical NER costs ~10^4 chars/s on these cores; see docs/detection.md for the measured trade-off.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

# Title-case token sequences: "John Smith", "Mary-Ann O'Neil", "Jean-Pierre de la Fontaine".
_TOK = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[-'’][A-ZÀ-ÖØ-Þa-zà-öø-ÿ][a-zà-öø-ÿ]+)?"
NAME_RE = re.compile(rf"{_TOK}(?:[ \t]+[A-Z]\.)?(?:[ \t]+(?:(?:de|du|van|von|da|di|le|la|del)[ \t]+)?{_TOK}){{1,2}}")
TITLE_RE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|M|Mme|Mlle|Madame|Monsieur)\.?[ \t]+(?P<n>{_TOK}(?:[ \t]+{_TOK})?)")
_VALUE_RE = re.compile(r"[^\W\d_]+(?:[-'’. ][^\W\d_]+)*\.?", re.UNICODE)
# Title-case words that are first names or surnames but, in running text, mostly are not names.
_STOP = frozenset(
    "the a an and or of for to in on at by with from this that these those patient doctor nurse hospital "
    "clinic street avenue road type chronic acute date birth number name first last january february march "
    "april may june july august september october november december monday tuesday wednesday thursday "
    "friday saturday sunday new north south east west united states medical health care center centre "
    "insurance company dear regards sincerely thank thanks please note social security".split()
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
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def normalise_name(raw: str) -> str:
    """Case-fold, strip accents, drop punctuation, collapse whitespace; 'Smith, John' → 'john smith'."""
    s = raw.strip()
    if s.count(",") == 1:
        last, first = (p.strip() for p in s.split(","))
        if last and first:
            s = f"{first} {last}"
    s = strip_accents(s).casefold()
    s = re.sub(r"[^\w\s-]", " ", s)
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


def find_names(text: str, strong_context: bool = False) -> list[tuple[int, int]]:
    """Spans of person names in free text.

    A capitalised sequence counts when its first token is a known first name and its last a known
    surname; with a courtesy title (Mr, Dr, Mme) a known surname alone suffices; `strong_context`
    (the text is a name field's value) accepts any capitalised pair.
    """
    out: list[tuple[int, int]] = []
    for m in NAME_RE.finditer(text):
        toks = m.group().split()
        toks = [t for t in toks if not (len(t) == 2 and t.endswith("."))]
        if strong_context or is_dictionary_name(toks):
            out.append((m.start(), m.end()))
        elif len(toks) >= 2 and is_dictionary_name(toks[:2]):
            e = m.start() + len(toks[0]) + 1 + m.group()[len(toks[0]) + 1 :].find(toks[1]) + len(toks[1])
            out.append((m.start(), e))
    if "M" in text or "D" in text:
        seen = {s for s, _ in out}
        for m in TITLE_RE.finditer(text):
            s, e = m.span("n")
            if s in seen or any(a <= s < b for a, b in out):
                continue
            toks = m.group("n").split()
            if toks[-1].casefold() in last_names():
                out.append((s, e))
    out.sort()
    return out
