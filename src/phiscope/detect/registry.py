"""Discover the `Identifier` declarations and compose what the engine runs from them.

Each module under `detect/identifiers/<country or family>/` declares `IDENTIFIER` (or a tuple
`IDENTIFIERS`). From them, at import: one compiled pass per lead class (every digit-led shape is an
alternative after one shared `\\d`, letter-led ones after one `[A-Z]`: the speed comes from there),
the dispatch from a matched group to the identifiers that claim it in priority order, value checks,
fast column checks, header rules, and the sets of types per jurisdiction.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType

from phiscope.detect import identifiers as _pkg
from phiscope.detect.identifiers.base import Kind
from phiscope.detect.identifiers.unit import (
    DIGIT,
    END,
    LETTER,
    NUMBER,
    Claim,
    FastResult,
    Fragment,
    Identifier,
    Valid,
)

# the catch-all digit run: numbers no other shape took, typed by digit count and context
RUN = Fragment("run", r"\d{3,18}", DIGIT, 10_000, number=True)
_LEADS = {DIGIT: r"\d(?<![\w.\-/+]\d)", LETTER: r"[A-Z](?<![\w\-][A-Z])"}


def discover(package: str = _pkg.__name__) -> tuple[Identifier, ...]:
    """Every declaration in the sub-packages of `package`, ordered by module name."""
    found: list[Identifier] = []
    root = importlib.import_module(package)
    for sub in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        if not sub.ispkg:
            continue
        pkg = importlib.import_module(f"{package}.{sub.name}")
        for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if mod.ispkg or mod.name.startswith("_"):
                continue
            m = importlib.import_module(f"{pkg.__name__}.{mod.name}")
            one = getattr(m, "IDENTIFIER", None)
            found.extend([one] if isinstance(one, Identifier) else getattr(m, "IDENTIFIERS", ()))
    types = [i.type for i in found]
    dup = {t for t in types if types.count(t) > 1}
    if dup:
        raise ValueError(f"identifier types declared twice: {sorted(dup)}")
    return tuple(found)


def fragments(ids: Iterable[Identifier], lead: str) -> list[Fragment]:
    frs = [f for i in ids for f in i.fragments if f.lead == lead]
    if lead == DIGIT:
        frs.append(RUN)
    return sorted(frs, key=lambda f: (f.order, f.group))


def pass_pattern(ids: Iterable[Identifier], lead: str) -> str:
    """The source of one lead class's pass: its lead, then every fragment as a named group."""
    alts = [
        rf"(?P<{f.group}>{f.pattern}){END}" if f.end else rf"(?P<{f.group}>{f.pattern})"
        for f in fragments(ids, lead)
    ]
    return _LEADS[lead] + "(?:" + "|".join(alts) + ")"


Dispatch = dict[str, tuple[tuple[Kind, Claim, bool], ...]]


def dispatch(ids: Iterable[Identifier]) -> Dispatch:
    """Group (or NUMBER + digit count) → (kind, claim, subject) in priority order."""
    table: dict[str, list[tuple[int, str, Kind, Claim, bool]]] = {}
    for i in ids:
        for s in i.shapes:
            keys = [f"{NUMBER}{n}" for n in s.lengths] if s.group == NUMBER else [s.group]
            for k in keys:
                table.setdefault(k, []).append((s.priority, i.type, i.kind, s.claim, i.subject))
    return {
        k: tuple((kind, c, subj) for _, _, kind, c, subj in sorted(v, key=lambda e: e[:2]))
        for k, v in table.items()
    }


def header_rules(ids: Iterable[Identifier]) -> tuple[tuple[str, str], ...]:
    """(type, label regex) for every identifier a header can name, in priority order."""
    return tuple(
        (i.type, i.headers) for i in sorted(ids, key=lambda i: (i.header_priority, i.type)) if i.headers
    )


IDENTIFIERS: tuple[Identifier, ...] = discover()
ALL_KINDS: tuple[Kind, ...] = tuple(i.kind for i in IDENTIFIERS)
BY_TYPE: dict[str, Kind] = {k.type: k for k in ALL_KINDS}
BY_ID: dict[str, Identifier] = {i.type: i for i in IDENTIFIERS}
PERSON_KEY_TYPES = frozenset(k.type for k in ALL_KINDS if k.person_key)

DIGIT_RE = re.compile(pass_pattern(IDENTIFIERS, DIGIT))
LETTER_RE = re.compile(pass_pattern(IDENTIFIERS, LETTER))
NUMBER_GROUPS = frozenset(f.group for f in fragments(IDENTIFIERS, DIGIT) if f.number)
DISPATCH: Dispatch = dispatch(IDENTIFIERS)
VALUE_CHECKS: dict[str, Callable[[str], Valid | None]] = {
    i.type: i.value_check for i in IDENTIFIERS if i.value_check is not None
}
FAST_CHECKS: dict[str, Callable[[Sequence[str]], FastResult]] = {
    i.type: i.fast_column for i in IDENTIFIERS if i.fast_column is not None
}
HEADER_RULES = header_rules(IDENTIFIERS)
STANDARD_ID_TYPES = frozenset(i.type for i in IDENTIFIERS if i.standard_id)
LINKS: dict[str, tuple[str, Callable[[str], bool]]] = {
    i.type: (i.links_to, i.link_when or (lambda _v: True)) for i in IDENTIFIERS if i.links_to
}


def in_jurisdiction(*codes: str, exclude_categories: Iterable[str] = ()) -> frozenset[str]:
    """Types declared for any of `codes` ("US", "FR", "EU"...), less those of the given categories."""
    skip = frozenset(exclude_categories)
    return frozenset(i.type for i in IDENTIFIERS if i.jurisdiction in codes and i.kind.category not in skip)


def _declared_in(i: Identifier) -> ModuleType | None:
    prefix = _pkg.__name__ + "."
    for name, m in list(sys.modules.items()):
        if name.startswith(prefix) and (
            getattr(m, "IDENTIFIER", None) is i or i in getattr(m, "IDENTIFIERS", ())
        ):
            return m
    return None


def type_table(ids: Iterable[Identifier] = ()) -> str:
    """The docs' identifier table (docs/identifiers.md) as Markdown, from the declarations."""
    rows = [
        "# Identifier types",
        "",
        "Generated from the declarations by `python -m phiscope.detect.registry > docs/identifiers.md`",
        "(a test keeps it current): one row per identifier declared under",
        '`src/phiscope/detect/identifiers/<country or family>/`. "#N digits": a digit run of N digits,',
        "typed by its check and the context rule in the declaring file; other names are groups of the",
        "composed passes. E-mails (an '@' pass), '+'/'(' phone numbers and keyword-anchored record",
        "numbers have passes of their own in detect/text.py.",
        "",
        "| type | category | jurisdiction | person key | found in text by | header rule | declared in "
        "| what it is |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i in sorted(ids or IDENTIFIERS, key=lambda i: i.type):
        mod = _declared_in(i)
        where = mod.__name__.removeprefix(_pkg.__name__ + ".").replace(".", "/") + ".py" if mod else ""
        what = re.split(r" \(|: |\. ", " ".join((mod.__doc__ or "").split()) if mod else "", maxsplit=1)[0]
        groups = {
            f"#{'/'.join(map(str, s.lengths))} digits" if s.group == NUMBER else s.group for s in i.shapes
        }
        found = ", ".join(sorted(groups)) or "label, column or keyword only"
        key = "yes" if i.kind.person_key else "no"
        rows.append(
            f"| {i.type} | {i.kind.category} | {i.jurisdiction or '-'} | {key} | {found} "
            f"| {'yes' if i.headers else 'no'} | `{where}` | {what} |"
        )
    return "\n".join(rows) + "\n"


__all__ = [
    "ALL_KINDS",
    "BY_ID",
    "BY_TYPE",
    "DIGIT_RE",
    "DISPATCH",
    "FAST_CHECKS",
    "HEADER_RULES",
    "IDENTIFIERS",
    "LETTER_RE",
    "LINKS",
    "NUMBER_GROUPS",
    "PERSON_KEY_TYPES",
    "STANDARD_ID_TYPES",
    "VALUE_CHECKS",
    "in_jurisdiction",
    "type_table",
]

if __name__ == "__main__":
    print(type_table(), end="")
