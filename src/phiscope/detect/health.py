"""Health context: a compact vocabulary of conditions, medications and procedures.

A file holding identities plus any of these is PHI, not just PII. Matching is word-level: the text's
words go through one C-speed set intersection, and only the hits are then located.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

WORD_RE = re.compile(r"[a-zà-öø-ÿ][a-zà-öø-ÿ0-9'’-]+")

HEALTH_TYPES = {
    "conditions": "HEALTH_CONDITION",
    "medications": "MEDICATION",
    "procedures": "PROCEDURE",
}


@dataclass(frozen=True, slots=True)
class Vocabulary:
    first_words: frozenset[str]  # first word of every term: the cheap prefilter
    terms: dict[str, str]  # term -> detection type
    by_first: dict[str, tuple[str, ...]]  # first word -> terms starting with it
    term_re: dict[str, re.Pattern[str]]


def _read(name: str) -> list[str]:
    text = resources.files("phiscope.detect").joinpath(f"data/{name}.txt").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@cache
def vocabulary() -> Vocabulary:
    terms: dict[str, str] = {}
    for name, typ in HEALTH_TYPES.items():
        for term in _read(name):
            terms.setdefault(term, typ)
    by_first: dict[str, list[str]] = {}
    for t in terms:
        by_first.setdefault(WORD_RE.findall(t)[0], []).append(t)
    term_re = {
        t: re.compile(r"(?<![\w-])" + r"[ \t\n]+".join(map(re.escape, t.split())) + r"(?![\w-])")
        for t in terms
    }
    return Vocabulary(
        frozenset(by_first),
        terms,
        {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()},
        term_re,
    )


def find_terms(lower: str) -> list[tuple[int, int, str, str]]:
    """(start, end, term, type) for every vocabulary term in already lower-cased text."""
    voc = vocabulary()
    hits = voc.first_words.intersection(WORD_RE.findall(lower))
    if not hits:
        return []
    out: list[tuple[int, int, str, str]] = []
    taken: set[int] = set()
    for first in hits:
        for term in voc.by_first[first]:  # longest first, so "type 2 diabetes" wins over "diabetes"
            for m in voc.term_re[term].finditer(lower):
                if m.start() in taken:
                    continue
                taken.add(m.start())
                out.append((m.start(), m.end(), term, voc.terms[term]))
    # a shorter term inside a longer one found under another first word ("diabetes" in "type 2 ...")
    out.sort()
    kept: list[tuple[int, int, str, str]] = []
    end = -1
    for h in out:
        if h[0] >= end:
            kept.append(h)
            end = h[1]
    return kept


def classify_value(lower: str) -> str | None:
    """Type of the first vocabulary term in a short value (a diagnosis/medication cell)."""
    hits = find_terms(lower)
    return hits[0][3] if hits else None
