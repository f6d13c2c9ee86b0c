"""The `Identifier` unit: everything PHIscope knows about one identifier type, declared in one file.

A declaration lives in `detect/identifiers/<country or family>/<name>.py` as a module-level
`IDENTIFIER`; `detect/registry.py` finds them and composes what the engine runs (the regex passes,
the group → identifiers dispatch, value checks, header rules, jurisdiction sets). Nothing here
imports the engine: a claim sees a candidate through the small `Candidate` protocol.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from phiscope.detect.identifiers.base import Kind

# Confidence levels: validated + context, validated alone, shape + context only.
HIGH, MID, LOW = 0.95, 0.8, 0.6

DIGIT, LETTER = "digit", "letter"  # lead classes: one compiled pass each
END = r"(?![\w@]|[\-/][\w]|\.\d)"  # a value ends here: not inside a longer token
NEG = "NEGATIVE"  # context.NEG: a word near a number that says it is not a person's
NUMBER = "#"  # the digit-run groups (`run`, `card`, `nir_sp`): dispatched by digit count

DIGITS_ONLY = re.compile(r"[\d \-./()+]+")  # a cell that holds a number and its separators only

Valid = tuple[Kind, str, float]  # kind, normalised value, confidence
Claimed = tuple[str, float]  # normalised value, confidence
FastResult = list[tuple[Kind, float, list[str]]]


class _Veto:
    """A claim's answer that ends the dispatch for this match: the value is this identifier's
    shape but not to be reported (e.g. a spaced SSN without context), and no other claim may
    take it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "VETO"


VETO: Final = _Veto()


class Candidate(Protocol):
    """One regex match offered to the identifiers that claim its group."""

    raw: str

    @property
    def digits(self) -> str: ...

    @property
    def upper(self) -> str: ...  # alphanumerics, upper-cased

    def context(self) -> frozenset[str]: ...  # types (and "NEGATIVE") vouched for around it

    def after_state(self) -> bool: ...  # right after a US state code ("MA 02115")

    def dob_context(self) -> bool: ...  # a birth keyword just before it

    def dob_label(self) -> bool: ...  # in a segment labelled as a date of birth

    def dayfirst(self) -> bool: ...  # numeric dates read day-first here


Verdict = Claimed | _Veto | None
Claim = Callable[[Candidate], Verdict]


@dataclass(frozen=True, slots=True)
class Fragment:
    """A named group of one compiled pass. `order` places it among the pass's alternatives
    (order matters: the first alternative that matches wins)."""

    group: str
    pattern: str
    lead: str = DIGIT
    order: int = 500
    number: bool = False  # a digit run: its claims are looked up by digit count, group NUMBER
    end: bool = True  # followed by END (addresses end on a word boundary of their own)


@dataclass(frozen=True, slots=True)
class Shape:
    """A claim on a group: `claim` runs, in `priority` order among the identifiers claiming the
    same group, on each match of it. For NUMBER, `lengths` are the digit counts claimed."""

    group: str
    claim: Claim
    priority: int = 50
    lengths: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier type: what it is, where it applies, how it is found and checked."""

    kind: Kind
    jurisdiction: str = ""  # ISO 3166 alpha-2 ("US", "FR", "GB"...), "EU", or "" for none
    fragments: tuple[Fragment, ...] = ()  # regex groups this identifier owns
    shapes: tuple[Shape, ...] = ()  # groups it claims (its own or others')
    value_check: Callable[[str], Valid | None] | None = None  # a value known to be of this type
    headers: str = ""  # regex (fullmatch on a normalised label) of headers that name it
    header_priority: int = 500  # order among header rules (the first that matches wins)
    fast_column: Callable[[Sequence[str]], FastResult] | None = None  # compiled column check
    subject: bool = False  # a text hit belongs to the record's person (dates of birth)
    # a field a standard (FHIR/HL7/DICOM) types as this identifier names a person even when the
    # value's format is not the usual one (kept as a record number)
    standard_id: bool = False
    # another type the same value also keys the person as, when `link_when` holds (an INS that is
    # a NIR links to the person's NIR)
    links_to: str = ""
    link_when: Callable[[str], bool] | None = None

    @property
    def type(self) -> str:
        return self.kind.type


def simple_check(
    kind: Kind, check: Callable[[str], bool], conf: float = HIGH
) -> Callable[[str], Valid | None]:
    """A value check that accepts what `check` accepts, normalised by the kind."""

    def f(raw: str) -> Valid | None:
        return (kind, kind.normalise(raw), conf) if check(raw) else None

    return f


def fast(
    kind: Kind, conf: float, fn: Callable[[Sequence[str]], list[str] | None]
) -> Callable[[Sequence[str]], FastResult]:
    """A compiled column shape (vector.py) as a fast column check for one kind."""

    def f(col: Sequence[str]) -> FastResult:
        norms = fn(col)
        return [] if norms is None else [(kind, conf, norms)]

    return f


def in_context(kind_type: str, check: Callable[[str], bool], conf: float = HIGH) -> Claim:
    """The commonest rule: the value passes its check and a keyword for it is near."""

    def claim(c: Candidate) -> Claimed | None:
        if kind_type in c.context() and check(c.digits):
            return c.digits, conf
        return None

    return claim
