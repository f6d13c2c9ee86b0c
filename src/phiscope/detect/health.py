"""Health context: a compact vocabulary of conditions, medications and procedures.

A file holding identities plus any of these is PHI, not just PII. Matching is word-level: the text's
words go through one C-speed set intersection, and only the hits are then located.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
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
    return Vocabulary(
        frozenset(by_first),
        terms,
        {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()},
    )


def find_terms(lower: str) -> list[tuple[int, int, str, str]]:
    """(start, end, term, type) for every vocabulary term in already lower-cased text.

    Only the terms whose first word occurs in the text, as alternations (longest first, so "type 2
    diabetes" wins over "diabetes"); matches are leftmost and do not overlap. Long text: one pass
    over all candidate terms; short text: one cached regex per first word (no compile per text).
    """
    voc = vocabulary()
    hits = voc.first_words.intersection(WORD_RE.findall(lower))
    if not hits:
        return []
    terms = voc.terms
    out: list[tuple[int, int, str, str]] = []
    if len(lower) < _ONE_PASS_FROM or len(hits) == 1:
        # short text: one (cached) regex per first word found, overlaps resolved after
        for first in hits:
            rx, by_text = _terms_re(frozenset((first,)))
            out.extend((m.start(), m.end(), _term(by_text, m), "") for m in rx.finditer(lower))
        out.sort()
        kept: list[tuple[int, int, str, str]] = []
        end = -1
        for a, b, t, _ in out:
            if a >= end:
                kept.append((a, b, t, terms[t]))
                end = b
        return kept
    rx, by_text = _terms_re(frozenset(hits))
    for m in rx.finditer(lower):
        term = _term(by_text, m)
        out.append((m.start(), m.end(), term, terms[term]))
    return out


_ONE_PASS_FROM = 50_000  # characters: longer texts get one combined pass (compiled per word set)


def _term(by_text: dict[str, str], m: re.Match[str]) -> str:
    term = by_text.get(m.group())
    if term is None:  # whitespace inside a multi-word term differs from the vocabulary's
        term = by_text[" ".join(m.group().split())]
    return term


@lru_cache(maxsize=512)
def _terms_re(firsts: frozenset[str]) -> tuple[re.Pattern[str], dict[str, str]]:
    voc = vocabulary()
    cands = [t for t in voc.terms if WORD_RE.findall(t)[0] in firsts]  # vocabulary order
    cands.sort(key=len, reverse=True)  # stable: longest first, then vocabulary order
    # each alternative starts with a literal letter and checks the word boundary right after it
    # ((?<![\w-].) looks at the character before the term): the regex engine then skips, in C, every
    # position whose character starts no term, instead of trying the alternation there.
    alts = []
    for t in cands:
        body = r"[ \t\n]+".join(map(re.escape, t.split()))
        alts.append(f"{body[0]}(?<![\\w-].){body[1:]}")
    by_text = {t: t for t in cands} | {" ".join(t.split()): t for t in cands}
    return re.compile(rf"(?:{'|'.join(alts)})(?![\w-])"), by_text


def classify_value(lower: str) -> str | None:
    """Type of the first vocabulary term in a short value (a diagnosis/medication cell)."""
    hits = find_terms(lower)
    return hits[0][3] if hits else None
