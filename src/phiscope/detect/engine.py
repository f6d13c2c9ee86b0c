"""Run the identifier, name and health detectors over one object's segments and table chunks.

One engine per worker process: everything is compiled at import or in `__init__`; `scan` does a few
C-speed regex passes per text buffer and Python work only per candidate. Tables go column by column:
a column's kind comes from its header (or a vote over a sample of its values) and only that kind's
check runs over its cells, joined into one string.

Raw values exist only inside this module's locals: what leaves is a `ContentFindings` with masked
excerpts and keyed fingerprints.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, compress, islice, repeat

from phiscope.detect import columns as C
from phiscope.detect import context as ctx
from phiscope.detect import health, names, reserved, standards, tables, vector
from phiscope.detect.fingerprint import Fingerprinter
from phiscope.detect.identifiers import contact, dob, records
from phiscope.detect.identifiers.base import Kind, alnum_upper, digits
from phiscope.detect.identifiers.unit import HIGH, LOW, MID, VETO
from phiscope.detect.mask import mask_name, mask_term
from phiscope.detect.patterns import AT_RE, DIGIT_RE, KV_RE, LETTER_RE
from phiscope.detect.registry import (
    BY_TYPE,
    DISPATCH,
    FAST_CHECKS,
    NUMBER_GROUPS,
    PERSON_KEY_TYPES,
    VALUE_CHECKS,
)
from phiscope.model import PERSON_CATEGORIES, ContentFindings, DetectionSummary, Location, Segment, TableChunk
from phiscope.runtime import gc_paused

_ORG_SUFFIX_WORDS = (
    "inc|incorporated|llc|ltd|limited|corp|corporation|co|company|plc|sa|sas|sarl|gmbh|ag|lp|llp"
)
_ORG_SUFFIX = re.compile(rf"\b(?:{_ORG_SUFFIX_WORDS})\b\.?")
# the same on ASCII text (the table path's): an ASCII \b is a table look-up, and a look-ahead on the
# suffixes' first letters skips most word starts at once (~35 % faster)
_ORG_SUFFIX_ASCII = re.compile(
    rf"\b(?=[{''.join(sorted({w[0] for w in _ORG_SUFFIX_WORDS.split('|')}))}])(?:{_ORG_SUFFIX_WORDS})\b\.?",
    re.ASCII,
)


def normalise_org(raw: str) -> str:
    s = (raw if raw.isascii() else names.strip_accents(raw)).casefold().replace("&", " and ")
    s = re.sub(r"[^\w\s]", " ", s)
    s = _ORG_SUFFIX.sub(" ", s)
    return " ".join(s.split())


PERSON_NAME = Kind("PERSON_NAME", "identity", names.normalise_name, mask_name)
ORGANISATION = Kind("ORGANISATION", "organisation", normalise_org, mask_name)
HEALTH = {t: Kind(t, "health", str.lower, mask_term) for t in ("HEALTH_CONDITION", "MEDICATION", "PROCEDURE")}
_HEALTH_CATEGORY = "health"

_SHORT_NUMBER = re.compile(r"[ \t]*[-+$€£]?[\d,]{1,7}(?:\.\d+)?[ \t]*%?")
_RECORD_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,18}[A-Za-z0-9]")


# ---- whole-column checks (tables) -------------------------------------------------------------
#
# Each returns, for one column, the rows where a value was found and the normalised values aligned
# with the rows ("" where nothing was found). Fast shapes (vector.py) run over the joined column in
# C; the exact check runs only on the distinct cells they reject, so results equal the exact check
# on every cell.

Found = tuple[Sequence[int], list[str]]  # rows found (a range when every row), normalised values
YOUNG_MAX = 200_000  # new containers between two young collections while table chunks stream
MASK_TRIES = 256  # distinct raw values tried per column for the 5 masked examples


def _joined(col: Sequence[str]) -> str | None:
    """The column as one string, or None when a cell holds a newline (lines would not map back)."""
    joined = "\n".join(col)
    return joined if joined.count("\n") == len(col) - 1 else None


def _per_distinct(col: Sequence[str], fn: Callable[[str], str | None]) -> Found:
    """`fn` once per distinct non-empty cell; rows found where it gave a value."""
    res: dict[str, str] = {}
    for v in set(col):
        if v:
            r = fn(v)
            if r is not None:
                res[v] = r
    if not res:
        return [], []
    return list(compress(range(len(col)), map(res.__contains__, col))), list(map(res.get, col, repeat("")))


def _patch(col: Sequence[str], norms: list[str], fn: Callable[[str], str | None]) -> None:
    """Exact check for the non-empty cells the fast shape left empty (once per distinct value)."""
    rest = set(compress(col, map(operator.not_, norms)))
    rest.discard("")
    if not rest:
        return
    extra: dict[str, str] = {}
    for v in rest:
        r = fn(v)
        if r is not None:
            extra[v] = r
    if extra:
        for i in compress(range(len(col)), map(extra.__contains__, col)):
            norms[i] = extra[col[i]]


def _lines(text: str, n: int) -> list[str] | None:
    """A fast pass's output split back into one value per row (None if the count is off, which
    would be a bug: the caller then takes the exact path)."""
    out = text.split("\n")
    return out if len(out) == n else None


def _found(norms: list[str]) -> Sequence[int]:
    if "" not in norms:  # every row (a C-level scan, cheaper than compress)
        return range(len(norms))
    return list(compress(range(len(norms)), norms))


def _name_column(col: Sequence[str], strict: bool) -> Found:
    ok = names.is_plausible_name if strict else names.looks_like_name

    def exact(v: str) -> str | None:
        return names.normalise_name(v) if ok(v) else None

    norms = None if strict else vector.person_name_column(col)
    if norms is None:
        return _per_distinct(col, exact)
    bad = vector.NAME_PLACEHOLDERS.intersection(norms)
    if bad:
        norms = ["" if v in bad else v for v in norms]
    _patch(col, norms, exact)
    return _found(norms), norms


def _date_column(col: Sequence[str], dayfirst: bool) -> Found:
    def exact(v: str) -> str | None:
        return dob.parse_date(v, dayfirst)

    norms = vector.date_column(col, dayfirst)
    if norms is None:
        return _per_distinct(col, exact)
    _patch(col, norms, exact)
    return _found(norms), norms


def _org_cell(v: str) -> str | None:
    """An organisation's normalised name; None without a letter, or when nothing but legal-form words
    ("Inc.") is left."""
    return (normalise_org(v) or None) if any(c.isalpha() for c in v) else None


def _org_column(col: Sequence[str]) -> Found:
    norms = vector.org_column(col)
    if norms is not None:
        _patch(col, norms, _org_cell)
        return _found(norms), norms
    joined = _joined(col)
    if joined is None or not joined.isascii():
        return _per_distinct(col, _org_cell)
    alpha = _lines(vector.has_alpha(joined), len(col))
    if alpha is None:
        return _per_distinct(col, _org_cell)
    found = _found(alpha)
    if not found:
        return [], []
    # normalise_org on every line at once (ASCII: casefold is lower)
    s = joined.lower().replace("&", " and ").translate(vector.PUNCT_TO_SPACE)
    s = vector.collapse_spaces(_ORG_SUFFIX_ASCII.sub(" ", s))
    norms = s.split("\n")
    if "" in norms:  # legal-form words only ("Inc."): no organisation
        found = [i for i in found if norms[i]]
    return found, norms


def _health_cell(v: str) -> str | None:
    low = v.strip().lower()
    return low if low not in _EMPTY and any(c.isalpha() for c in low) else None


def _typed_column(kind: str, col: Sequence[str]) -> list[tuple[Kind, float, Sequence[int], list[str]]]:
    """A column typed by its header or a vote: its kind's check on every cell, as (kind, confidence,
    rows found, normalised values) per kind found (an SSN column may hold ITINs)."""
    n = len(col)
    check = VALUE_CHECKS[kind]
    fast = FAST_CHECKS.get(kind)
    lists: dict[str, tuple[Kind, float, list[str]]] = {}
    results = fast(col) if fast is not None else []
    if results:
        for k, conf, norms in results:
            if len(norms) != n:  # would be a bug in a fast shape: fall back to the exact check
                lists.clear()
                break
            lists[k.type] = (k, conf, norms)
        nonempty = [norms for _, _, norms in lists.values()]
        if len(nonempty) == 1:
            missing: Iterable[bool] = map(operator.not_, nonempty[0]) if "" in nonempty[0] else ()
        elif nonempty:
            missing = (not any(t) for t in zip(*nonempty, strict=True))
        else:
            missing = repeat(True, n)
        rest = set(compress(col, missing))
    else:
        rest = set(col)
    rest.discard("")
    # exact check, once per distinct value the fast shape did not take; grouped by the kind found
    by_type: dict[str, tuple[Kind, float, dict[str, str]]] = {}
    for v in rest:
        r = check(v)
        if r is not None:
            k, norm, conf = r
            e = by_type.get(k.type)
            if e is None:
                e = by_type[k.type] = (k, conf, {})
            elif conf > e[1]:
                e = by_type[k.type] = (k, conf, e[2])
            e[2][v] = norm
    for typ, (k, conf, m) in by_type.items():
        entry = lists.get(typ)
        if entry is None:
            lists[typ] = (k, conf, list(map(m.get, col, repeat(""))))
        else:
            norms = entry[2]
            for i in compress(range(n), map(m.__contains__, col)):
                norms[i] = m[col[i]]
            if conf > entry[1]:
                lists[typ] = (k, conf, norms)
    return [(k, conf, f, norms) for k, conf, norms in lists.values() if (f := _found(norms))]


class _TableKeys:
    """Per-type normalised values of a chunk's rows for its person records, filled column by column
    like a per-row dict: the first column giving a row a value wins (dates of birth: the last)."""

    __slots__ = ("first", "n")

    def __init__(self, n: int) -> None:
        self.n = n
        self.first: dict[str, tuple[list[str], Sequence[int]]] = {}

    def set_first(self, typ: str, norms: Sequence[str], found: Sequence[int]) -> None:
        self._set(typ, norms, found, keep_old=True)

    def set_last(self, typ: str, norms: Sequence[str], found: Sequence[int]) -> None:
        self._set(typ, norms, found, keep_old=False)

    def _set(self, typ: str, norms: Sequence[str], found: Sequence[int], keep_old: bool) -> None:
        if not found:
            return
        cur = self.first.get(typ)
        if cur is None:
            self.first[typ] = (list(norms), found)
            return
        old, ofound = cur
        if keep_old:
            merged = [a if a else b for a, b in zip(old, norms, strict=True)]
        else:
            merged = [b if b else a for a, b in zip(old, norms, strict=True)]
        self.first[typ] = (merged, sorted(set(ofound).union(found)))


# ---- hits -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Hit:
    start: int
    end: int
    kind: Kind
    raw: str
    norm: str
    conf: float
    subject: bool = False  # a name/DOB that belongs to the record's person (from a label or context)
    prio: int = 1  # 0: the value of a label/field or right after its keyword; wins overlaps
    seg: int = -1  # index of the segment/cell the hit is in (set once overlaps are resolved)
    # identifiers typed by a standard: the field they came from (a patient's MR number and EMPI id are
    # two keys of one record, not two people)
    scope: str = ""


@dataclass(slots=True)
class _Buffer:
    """Texts joined with newlines, with each text's start offset for mapping hits back."""

    text: str
    lower: str
    starts: list[int]
    label_types: list[frozenset[str]]
    label_kinds: list[str | None]
    labels: list[str | None]

    @classmethod
    def build(cls, texts: list[str], labels: list[str | None]) -> _Buffer:
        text = "\n".join(texts)
        starts = [0, *accumulate(len(t) + 1 for t in texts)][:-1] if texts else []
        lts = [ctx.types_in(lb.lower()) if lb else frozenset() for lb in labels]
        lks = [C.classify_label(lb) if lb else None for lb in labels]
        return cls(text, text.lower(), starts, lts, lks, labels)

    def seg_of(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1


@dataclass(slots=True)
class _Plan:
    kind: str | None  # a type, a name/org/health kind, TEXT, or None = scan for shapes only
    dayfirst: bool = False


@dataclass(slots=True)
class _ObjectState:
    out: ContentFindings = field(default_factory=ContentFindings)
    plans: dict[tuple[object, ...], list[_Plan]] = field(default_factory=dict)
    # EMAIL/PHONE: types with a value that may be a person's, and the category of the others
    # (role mailbox, toll-free, reserved/fictional) when every value so far was one of those
    strong: set[str] = field(default_factory=set)
    weak: dict[str, str] = field(default_factory=dict)
    deidentified: bool = False  # DICOM PatientIdentityRemoved = YES

    def note(self, typ: str, raws: Iterable[str]) -> None:
        check = reserved.CHECKS.get(typ)
        if check is None or typ in self.strong:
            return
        for r in raws:
            c = check(r)
            if c is None:
                self.strong.add(typ)
                return
            self.weak.setdefault(typ, c)

    def settle(self) -> None:
        """Role mailboxes, toll-free and fictional numbers alone do not make the object personal; an
        object that declares its identities removed holds replacement values, not people."""
        if self.deidentified:
            burned_in = False  # text read from the pixels (OCR, located by a box) was not de-identified
            for d in self.out.detections.values():
                if d.category in PERSON_CATEGORIES:
                    if any(loc.bbox is not None for loc in d.locations):
                        burned_in = True
                    else:
                        d.category = "deidentified"
            if not burned_in:
                self.out.people.clear()
            return
        if not self.weak:
            return
        dets = [d for d in self.out.detections.values() if d.category in PERSON_CATEGORIES]
        if dets and all(d.type in self.weak and d.type not in self.strong for d in dets):
            for d in dets:
                d.category = self.weak[d.type]


class _Candidate:
    """The match being offered to claims (identifiers.unit.Candidate), reused across a pass: what
    a claim asks for is computed once, when first asked."""

    __slots__ = ("_ctx", "_digits", "_upper", "buf", "e", "engine", "raw", "s")

    def __init__(self, engine: DetectionEngine, buf: _Buffer) -> None:
        self.engine, self.buf = engine, buf
        self.reset("", 0, 0)

    def reset(self, raw: str, s: int, e: int) -> None:
        self.raw, self.s, self.e = raw, s, e
        self._ctx: frozenset[str] | None = None
        self._digits: str | None = None
        self._upper: str | None = None

    @property
    def digits(self) -> str:
        if self._digits is None:
            self._digits = digits(self.raw)
        return self._digits

    @property
    def upper(self) -> str:
        if self._upper is None:
            self._upper = alnum_upper(self.raw)
        return self._upper

    def context(self) -> frozenset[str]:
        if self._ctx is None:
            buf = self.buf
            self._ctx = self.engine._ctx(buf, self.s, self.e, buf.seg_of(self.s))
        return self._ctx

    def after_state(self) -> bool:
        return DetectionEngine._after_state(self.buf, self.s)

    def dob_context(self) -> bool:
        return ctx.dob_context(self.buf.lower, self.s)

    def dob_label(self) -> bool:
        kinds = self.buf.label_kinds
        return bool(kinds) and kinds[self.buf.seg_of(self.s)] == "DATE_OF_BIRTH"

    def dayfirst(self) -> bool:
        return self.engine.dayfirst or DetectionEngine._french(self.buf, self.s)


class DetectionEngine:
    """Holds the compiled passes and the fingerprint key; `scan` one object's items at a time.

    Options: `names` (find person names in free text, default True), `dayfirst` (read ambiguous
    numeric dates day-first, default False), `sample_rows` (values sampled to type an unnamed
    column, default 64). For library callers and benchmarks: a scan builds the engine with defaults.
    """

    def __init__(
        self,
        secret: bytes,
        *,
        names: bool = True,
        dayfirst: bool = False,
        sample_rows: int = 64,
    ) -> None:
        self._fp = Fingerprinter(secret)
        # fingerprints of the batch being analysed (see _new_batch)
        self._fp_cache: dict[str, dict[str, str]] = {}  # type → normalised value → fingerprint
        self._key_cache: dict[str, dict[str, str]] = {}  # type → normalised value → person key
        self.find_names = names
        self.dayfirst = dayfirst
        self.sample_rows = sample_rows
        health.vocabulary()
        from phiscope.detect import names as _n

        _n.first_names()
        _n.last_names()

    # -- fingerprints and summaries -------------------------------------------------------------

    def fingerprint(self, kind: str, normalised: str) -> str:
        cache = self._fp_cache.get(kind)
        if cache is None:
            cache = self._fp_cache[kind] = {}
        fp = cache.get(normalised)
        if fp is None:
            fp = cache[normalised] = self._fp(kind, normalised)
        return fp

    def _new_batch(self) -> None:
        """Start the fingerprint caches afresh for each batch (a table chunk, a run of segments).

        Within a batch they make each distinct value cost one HMAC (a diagnosis-code column of 5,000
        rows: a dozen). Kept longer, they grow into tables far larger than the CPU caches, where a
        look-up that misses costs about as much as the HMAC it saves (~0.1 µs): measured on the
        20,000-row bench, a cache kept across chunks made a first scan ~15 % slower, and sped up a
        re-scan of the same file by about as much. Memory stays bounded by one batch.
        """
        self._fp_cache.clear()
        self._key_cache.clear()

    def _person_keys(self, kind: str, values: Iterable[str]) -> dict[str, str]:
        """kind's person-key cache (normalised value → "TYPE:fingerprint"), holding every value."""
        kc = self._key_cache.get(kind)
        if kc is None:
            kc = self._key_cache[kind] = {}
        cache = self._fp_cache.get(kind)
        if cache is None:
            cache = self._fp_cache[kind] = {}
        self._fp.person_keys(cache, kc, values, kind)
        return kc

    def _summarise(
        self,
        out: ContentFindings,
        kind: Kind,
        conf: float,
        count: int,
        first_rows: Iterable[int],
        raws: Iterable[str],
        norms: Iterable[str],
        loc: Callable[[int], Location],
    ) -> dict[str, str]:
        """Many detections of one kind at once (as if added one by one, in row order):
        `count` occurrences, `first_rows` their rows in order (only the first 15 are read), `raws`
        the raw values in order (read until 5 distinct masks), `norms` their normalised values
        (repeats cost a cache look-up each).
        Returns the kind's fingerprint cache (normalised value → fingerprint)."""
        t = kind.type
        s = out.detections.get(t)
        if s is None:
            s = out.detections[t] = DetectionSummary(t, kind.category)
        s.count += count
        if conf > s.confidence:
            s.confidence = conf
        room = s.MAX_LOCATIONS - len(s.locations)
        if room > 0:
            s.locations.extend(map(loc, islice(first_rows, room)))
        ex = s.masked_examples
        if len(ex) < s.MAX_EXAMPLES:
            seen: set[str] = set()
            mask = kind.mask
            for raw in raws:
                if raw in seen:
                    continue
                seen.add(raw)
                m = mask(raw)
                if m not in ex:
                    ex.append(m)
                    if len(ex) >= s.MAX_EXAMPLES:
                        break
                if len(seen) >= MASK_TRIES:  # values whose masks all look alike: enough tried
                    break
        cache = self._fp_cache.get(t)
        if cache is None:
            cache = self._fp_cache[t] = {}
        if kind.category == _HEALTH_CATEGORY:
            out.health = True
        if not s.fingerprints and s.cutoff is None:
            # the summary's first batch: straight into its set (repeats cost a cache look-up each)
            self._fp.fill(cache, norms, t, into=s.fingerprints)
            if len(s.fingerprints) > s.EXACT_MAX:
                s.add_fingerprints(())  # becomes a sketch
            return cache
        # the batch's own (small, cache-resident) set first, then one merge: the summary's large set
        # is resized once and reuses the hashes (~5 % of the table path), or, once it is a sketch,
        # keeps only what falls under its cutoff
        batch: set[str] = set()
        self._fp.fill(cache, norms, t, into=batch)
        s.add_fingerprints(batch)
        return cache

    # -- entry point --------------------------------------------------------------------------

    def scan(self, items: Iterable[Segment | TableChunk]) -> ContentFindings:
        """Everything found in one object's items (the extractor's generator is advanced here).

        The cyclic collector is off while a batch is analysed, and also from one table chunk to the
        next: the extractor then builds the next chunk's rows (thousands of acyclic lists, freed
        by reference counting once analysed) without the collector walking them, ~10 % of the table
        path. Past `YOUNG_MAX` new containers a young-generation collection runs anyway, so an
        extractor that does leave cycles behind stays bounded. Once a text segment arrives it is
        back on for the items that follow (PDF and office libraries build cyclic structures).
        """
        state = _ObjectState()
        pending: list[Segment] = []
        size = 0
        was = gc.isenabled()
        try:
            for item in items:
                if isinstance(item, TableChunk):
                    gc.disable()
                    if pending:
                        self._scan_segments(pending, state)
                        pending, size = [], 0
                    self._scan_table(item, state)
                    if was and gc.get_count()[0] > YOUNG_MAX:
                        gc.collect(0)
                    continue  # the collector stays off while the next chunk is built
                if was:
                    gc.enable()
                pending.append(item)
                size += len(item.text)
                if size > 4_000_000:
                    with gc_paused():
                        self._scan_segments(pending, state)
                    pending, size = [], 0
            if pending:
                with gc_paused():
                    self._scan_segments(pending, state)
        finally:
            if was:
                gc.enable()
        state.settle()
        return state.out

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, type) of every detection in one text: offsets only, for benchmarks and tests
        on synthetic data (the scan pipeline uses `scan`)."""
        buf = _Buffer.build([text], [None])
        return [(h.start, h.end, h.kind.type) for h in self.text_hits(buf, labelled=True)]

    # -- free text ----------------------------------------------------------------------------

    def _scan_segments(self, segs: list[Segment], state: _ObjectState) -> None:
        self._new_batch()
        meanings = [standards.meaning(s.label) for s in segs]
        if any(meanings):
            hits = self._standard_hits(segs, meanings)
            if standards.DEIDENTIFIED in meanings:
                state.deidentified = state.deidentified or any(
                    m == standards.DEIDENTIFIED and sg.text.strip().upper() == "YES"
                    for sg, m in zip(segs, meanings, strict=True)
                )
        else:
            buf = _Buffer.build([s.text for s in segs], [s.label for s in segs])
            hits = self.text_hits(buf, labelled=True)
        out = state.out
        # per type at once (same result as recording hit by hit, in order)
        by_type: dict[str, list[Hit]] = {}
        for h in hits:
            lst = by_type.get(h.kind.type)
            if lst is None:
                by_type[h.kind.type] = [h]
            else:
                lst.append(h)

        def loc(i: int) -> Location:
            return segs[i].location

        for hs in by_type.values():
            self._summarise(
                out,
                hs[0].kind,
                max(h.conf for h in hs),
                len(hs),
                (h.seg for h in hs),
                (h.raw for h in hs),
                {h.norm for h in hs},
                loc,
            )
        for h in hits:
            if h.kind.type in reserved.CHECKS:
                state.note(h.kind.type, (h.raw,))
        self._text_records(hits, segs, out)

    def _standard_hits(self, segs: list[Segment], meanings: list[str | None]) -> list[Hit]:
        """Segments whose label is a FHIR path, DICOM tag or HL7 field get the one check the standard
        gives them (see standards.py); their text is blanked for the free-text passes, which run on
        the rest as usual (offsets are kept, so locations map back)."""
        texts: list[str] = []
        labels: list[str | None] = []
        typed: list[tuple[int, str]] = []
        shapes: set[int] = set()
        for i, (sg, m) in enumerate(zip(segs, meanings, strict=True)):
            if m is None:
                texts.append(sg.text)
                labels.append(sg.label)
            elif m in (standards.TEXT, standards.SHAPES):
                texts.append(sg.text)
                labels.append(None)
                if m == standards.SHAPES:
                    shapes.add(i)
            else:
                texts.append(" " * len(sg.text))
                labels.append(None)
                if m not in (standards.NOTHING, standards.DEIDENTIFIED):
                    typed.append((i, m))
        buf = _Buffer.build(texts, labels)
        hits = self.text_hits(buf, labelled=True)
        if shapes:
            hits = [
                h
                for h in hits
                if h.seg not in shapes
                or not (h.kind is PERSON_NAME or h.kind.category in ("organisation", "health"))
            ]
        if not typed:
            return hits
        extra: list[Hit] = []
        for i, m in typed:
            n0 = len(extra)
            self._standard_value(m, segs[i].text, buf.starts[i], i, extra, segs[i].label or "")
            for h in extra[n0:]:
                h.seg, h.prio = i, 0
        hits.extend(extra)
        hits.sort(key=lambda h: h.start)
        return hits

    def _standard_value(
        self, kind: str, value: str, offset: int, seg: int, hits: list[Hit], label: str
    ) -> None:
        v = value.strip()
        if not v:
            return
        s = offset + value.find(v[0])
        e = s + len(v)
        if kind in (standards.NAME_SUBJECT, standards.NAME_OTHER):
            if len(v) <= 120 and not standards.is_placeholder_name(v):
                norm = names.normalise_name(v)
                if norm:
                    hits.append(Hit(s, e, PERSON_NAME, v, norm, MID, kind == standards.NAME_SUBJECT))
            return
        if kind == standards.PATIENT_ID:
            norm = alnum_upper(v)
            if 0 < len(norm) <= 64 and not standards.is_placeholder_id(v):
                hits.append(Hit(s, e, records.MRN, v, norm, MID, scope=label))
            return
        n0 = len(hits)
        self._cell_hits(kind, value, offset, seg, hits, subject=True)
        if len(hits) == n0 and kind in _ID_KINDS and 0 < len(alnum_upper(v)) <= 64:
            # the standard says it identifies a person even when its format is not the usual one
            hits.append(Hit(s, e, records.MRN, v, alnum_upper(v), LOW, scope=label))

    def text_hits(self, buf: _Buffer, labelled: bool, shapes_only: bool = False) -> list[Hit]:
        """All hits in a buffer, overlaps resolved (label/field values first, then longer spans)."""
        hits: list[Hit] = []
        if labelled:
            self._labelled_values(buf, hits)
        self._digit_pass(buf, hits)
        if "(" in buf.text or "+" in buf.text:
            self._plus_phone_pass(buf, hits)
        self._letter_pass(buf, hits)
        if "@" in buf.text:
            self._email_pass(buf, hits)
        if not shapes_only:
            self._keyword_pass(buf, hits)
            self._text_dates(buf, hits)
            if self.find_names:
                self._name_pass(buf, hits)
            self._health_pass(buf, hits)
        if len(hits) > 1:
            hits.sort(key=lambda h: (h.start, h.prio, -(h.end - h.start)))
            kept: list[Hit] = []
            end = -1
            outer: Hit | None = None
            for h in hits:
                if h.start >= end:
                    kept.append(h)
                    end = h.end
                    outer = h
                elif outer is not None and outer.kind is contact.ADDRESS and h.kind is contact.ZIP:
                    kept.append(h)  # "12 Main St, Boston, MA 02115": the ZIP counts on its own too
            hits = kept
        starts = buf.starts
        if len(starts) == 1:
            for h in hits:
                h.seg = 0
        else:
            for h in hits:
                h.seg = bisect.bisect_right(starts, h.start) - 1
        return hits

    def _ctx(self, buf: _Buffer, start: int, end: int, seg: int) -> frozenset[str]:
        w = ctx.window_types(buf.lower, start, end)
        lt = buf.label_types[seg] if buf.label_types else frozenset()
        return w | lt if lt else w

    def _labelled_values(self, buf: _Buffer, hits: list[Hit]) -> None:
        """Segments whose label names a kind, and "Label: value" lines, read like table cells."""
        for i, kind in enumerate(buf.label_kinds):
            if kind is None:
                continue
            start = buf.starts[i]
            end = len(buf.text) if i + 1 >= len(buf.starts) else buf.starts[i + 1] - 1
            text = buf.text[start:end]
            n0 = len(hits)
            self._cell_hits(kind, text, start, i, hits, subject=True, strict=C.is_generic_name(buf.labels[i]))
            for h in hits[n0:]:
                h.prio = 0
        if ":" not in buf.text and "=" not in buf.text:
            return
        for m in KV_RE.finditer(buf.text):
            kind = C.classify_label(m.group("label"))
            if kind is None or kind == C.TEXT:
                continue
            s, e = m.span("value")
            n0 = len(hits)
            strict = C.is_generic_name(m.group("label"))
            self._cell_hits(kind, buf.text[s:e], s, buf.seg_of(s), hits, subject=True, strict=strict)
            for h in hits[n0:]:
                h.prio = 0

    def _cell_hits(
        self,
        kind: str,
        value: str,
        offset: int,
        seg: int,
        hits: list[Hit],
        subject: bool,
        strict: bool = False,
    ) -> None:
        v = value.strip()
        if not v:
            return
        lead = value.find(v[0])
        s, e = offset + lead, offset + lead + len(v)
        if kind in C.NAME_KINDS:
            if names.is_plausible_name(v) if strict else names.looks_like_name(v):
                hits.append(
                    Hit(s, e, PERSON_NAME, v, names.normalise_name(v), MID, subject and kind != C.OTHER_NAME)
                )
        elif kind == "DATE_OF_BIRTH":
            iso = dob.parse_date(v, self.dayfirst)
            if iso is not None:
                hits.append(Hit(s, e, dob.DOB, iso, iso, HIGH, True))
        elif kind == C.ORGANISATION:
            if any(c.isalpha() for c in v) and len(v) <= 120:
                hits.append(Hit(s, e, ORGANISATION, v, normalise_org(v), MID))
        elif kind in C.HEALTH_KINDS:
            terms = health.find_terms(v.lower())
            if terms:  # the terms count on their own; codes and drugs in the value stay findable
                hits.extend(Hit(s + a, s + b, HEALTH[typ], t, t, MID) for a, b, t, typ in terms)
            elif any(c.isalpha() for c in v) and len(v) <= 80:
                hits.append(Hit(s, e, HEALTH[kind], v, v.lower(), MID))
        else:
            check = VALUE_CHECKS.get(kind)
            if check is not None:
                r = check(v)
                if r is not None:
                    hits.append(Hit(s, e, r[0], v, r[1], r[2]))

    def _digit_pass(self, buf: _Buffer, hits: list[Hit]) -> None:
        self._claimed(DIGIT_RE, buf, hits)

    def _claimed(self, rx: re.Pattern[str], buf: _Buffer, hits: list[Hit]) -> None:
        """Each match offered to the identifiers that claim its group (registry.DISPATCH), in
        priority order: the first that takes it wins; a veto ends the offer."""
        cand = _Candidate(self, buf)
        table = DISPATCH
        numbers = NUMBER_GROUPS
        for m in rx.finditer(buf.text):
            group = m.lastgroup or ""
            raw = m.group()
            s, e = m.span()
            cand.reset(raw, s, e)
            claims = table.get(f"#{len(cand.digits)}" if group in numbers else group)
            if claims is None:
                continue
            for kind, claim, subject in claims:
                r = claim(cand)
                if r is None:
                    continue
                if r is not VETO:
                    hits.append(Hit(s, e, kind, raw, r[0], r[1], subject))  # type: ignore[index]
                break

    @staticmethod
    def _after_state(buf: _Buffer, s: int) -> bool:
        """'Boston, MA 02115': a US state code right before a ZIP."""
        t = buf.text[max(0, s - 4) : s]
        return len(t) == 4 and t[0] in " ,\t" and t[3] == " " and t[1:3] in contact.US_STATES

    @staticmethod
    def _french(buf: _Buffer, s: int) -> bool:
        w = buf.lower[max(0, s - 40) : s]
        return "né" in w or "naissance" in w or " le " in w

    def _plus_phone_pass(self, buf: _Buffer, hits: list[Hit]) -> None:
        text = buf.text
        for m in contact.PLUS_PHONE_RE.finditer(text):
            s, e = m.span()
            if (s > 0 and text[s - 1].isalnum()) or (e < len(text) and text[e].isalnum()):
                continue
            raw = m.group()
            if contact.is_valid_phone(raw):
                hits.append(Hit(s, e, contact.PHONE, raw, digits(raw), HIGH))

    def _letter_pass(self, buf: _Buffer, hits: list[Hit]) -> None:
        self._claimed(LETTER_RE, buf, hits)

    def _email_pass(self, buf: _Buffer, hits: list[Hit]) -> None:
        text = buf.text
        last_end = -1
        for m in AT_RE.finditer(text):
            at = m.start()
            if at < last_end:
                continue
            left = contact._LOCAL_TAIL.search(text, max(0, at - 64), at)
            right = contact._DOMAIN_HEAD.match(text, at + 1)
            if left is None or right is None or left.end() != at:
                continue
            s, e = left.start(), right.end()
            raw = text[s:e]
            if contact.is_valid_email(raw):
                hits.append(Hit(s, e, contact.EMAIL, raw, raw.lower(), HIGH, False))
                last_end = e

    def _keyword_pass(self, buf: _Buffer, hits: list[Hit]) -> None:
        lower = buf.lower
        if not any(h in lower for h in records.ANCHOR_HINTS):
            return
        for m in self._anchored_matches(buf):
            s, e = m.span("value")
            raw = m.group("value")
            if not records.is_valid_record_id(raw):
                continue
            if m.group("kw_mrn"):
                kind = records.MRN
            elif m.group("kw_dl"):
                kind = records.DRIVER_LICENSE
            else:
                kind = records.PASSPORT
            if (
                kind is records.DRIVER_LICENSE
                and m.group("kw_dl").lower() == "dl"
                and not any(c.isdigit() for c in raw[:3])
                and len(raw) < 6
            ):
                continue
            if dob.parse_date(raw) is not None:
                continue
            hits.append(Hit(s, e, kind, raw, alnum_upper(raw), MID, False, 0))

    @staticmethod
    def _anchored_matches(buf: _Buffer) -> Iterable[re.Match[str]]:
        """ANCHORED_RE.finditer over the buffer, trying only where a keyword starts (found with
        str.find): the same matches for ASCII text, without a case-insensitive regex pass over
        every character. Other text gets the full pass (case folding can move positions)."""
        text = buf.text
        rx = records.ANCHORED_RE
        if not text.isascii():
            yield from rx.finditer(text)
            return
        lower = buf.lower
        starts: set[int] = set()
        for k in records.KEYWORD_STARTS:
            i = lower.find(k)
            while i >= 0:
                starts.add(i)
                i = lower.find(k, i + 1)
        end = -1
        for p in sorted(starts):
            if p < end:
                continue
            m = rx.match(text, p)
            if m is not None:
                end = m.end()
                yield m

    def _text_dates(self, buf: _Buffer, hits: list[Hit]) -> None:
        lower = buf.lower
        if not any(k in lower for k in ("birth", "dob", "born", "naiss", "né", "ne le", "d.o.b")):
            return
        # Only where a date could count: right after a birth keyword, or in a segment labelled as a
        # date of birth. Dates never contain a keyword, so these windows find the same matches a
        # scan of the whole text would (that scan cost ~10 ns a character on a month alternation).
        text = buf.text
        n = len(text)
        rx = dob.TEXT_DATE_RE
        found: dict[int, re.Match[str]] = {}
        if len(lower) != n:  # lower-casing moved positions: windows would be off, scan it all
            found = {m.start(): m for m in rx.finditer(text)}
        for a, b in ctx.dob_windows(lower) if len(lower) == n else ():
            end = min(n, b + 64)  # room for the longest date starting at b
            for m in rx.finditer(text, a, end):
                if m.start() > b:
                    break
                if m.end() < end or end == n:  # its closing \b saw real text
                    found.setdefault(m.start(), m)
        if buf.label_kinds and "DATE_OF_BIRTH" in buf.label_kinds:
            for i, lk in enumerate(buf.label_kinds):
                if lk == "DATE_OF_BIRTH":
                    stop = n if i + 1 >= len(buf.starts) else buf.starts[i + 1] - 1
                    for m in rx.finditer(text, buf.starts[i], stop):
                        found.setdefault(m.start(), m)
        for s in sorted(found):
            m = found[s]
            seg = buf.seg_of(s)
            if ctx.dob_context(lower, s) or (buf.label_kinds and buf.label_kinds[seg] == "DATE_OF_BIRTH"):
                iso = dob.parse_date(m.group())
                if iso is not None:
                    hits.append(Hit(s, m.end(), dob.DOB, iso, iso, HIGH, True))

    def _name_pass(self, buf: _Buffer, hits: list[Hit]) -> None:
        lower = buf.lower
        for s, e in names.find_names(buf.text):
            raw = buf.text[s:e]
            w = lower[max(0, s - 40) : s]
            subject = any(
                k in w for k in ("patient", "name", "nom", "member", "insured", "employee", "client")
            )
            subject = subject and not any(k in w for k in ("dr.", "dr ", "doctor", "provider", "physician"))
            hits.append(Hit(s, e, PERSON_NAME, raw, names.normalise_name(raw), LOW + 0.1, subject))

    def _health_pass(self, buf: _Buffer, hits: list[Hit]) -> None:
        for s, e, term, typ in health.find_terms(buf.lower):
            hits.append(Hit(s, e, HEALTH[typ], term, term, MID, False))

    # -- records (people) in free text -----------------------------------------------------------

    def _text_records(self, hits: list[Hit], segs: list[Segment], out: ContentFindings) -> None:
        """Group person hits into records: one per page/member block, split where a strong
        identifier of a kind already seen in the record comes back with another value."""
        rec: dict[str, str] = {}
        block: tuple[object, ...] | None = None
        for h in hits:
            t = h.kind.type
            if t not in PERSON_KEY_TYPES and not (h.subject and t in ("PERSON_NAME", "DATE_OF_BIRTH")):
                continue
            loc = segs[h.seg].location if h.seg < len(segs) else Location()
            # a page, a sheet, an archive member, one NDJSON line: never two records in one
            b = (loc.member, loc.page, loc.sheet, loc.line if loc.json_path is not None else None)
            if block is not None and b != block and rec:
                self._close(rec, out)
                rec = {}
            block = b
            if h.scope:
                t = f"{t}@{h.scope}"
            old = rec.get(t)
            if old is not None and old != h.norm:
                if t == "PERSON_NAME" and _same_person_name(old, h.norm):
                    if len(h.norm) > len(old):
                        rec[t] = h.norm  # "hall" then "sonya hall": keep the fuller form
                    continue
                self._close(rec, out)
                rec = {}
            rec.setdefault(t, h.norm)
        if rec:
            self._close(rec, out)

    def _close(self, rec: dict[str, str], out: ContentFindings) -> None:
        keys = set()
        for t, v in rec.items():
            b = t.split("@", 1)[0]  # an identifier scoped by its field counts as its type
            if b in PERSON_KEY_TYPES:
                keys.add(f"{b}:{self.fingerprint(b, v)}")
        if "FR_INS" in rec and rec["FR_INS"][:1] in "12":
            keys.add(f"FR_NIR:{self.fingerprint('FR_NIR', rec['FR_INS'])}")
        if "PERSON_NAME" in rec and "DATE_OF_BIRTH" in rec:
            keys.add(self.name_dob_key(rec["PERSON_NAME"], rec["DATE_OF_BIRTH"]))
        if keys:
            out.people.append(frozenset(keys))

    def name_dob_key(self, normalised_name: str, iso_dob: str) -> str:
        return f"NAME_DOB:{self.fingerprint('NAME_DOB', normalised_name + '|' + iso_dob)}"

    # -- tables -------------------------------------------------------------------------------
    #
    # Column by column, with C-speed passes over each column (see vector.py) and Python work per
    # *distinct* value at most: a column yields, per kind, the rows it was found in and an aligned
    # list of normalised values; summaries, fingerprints and person keys are built from those.

    def _scan_table(self, chunk: TableChunk, state: _ObjectState) -> None:
        rows = chunk.rows
        if not rows:
            return
        self._new_batch()
        n = len(rows)
        lens = set(map(len, rows))
        width = max(lens)
        cols: list[Sequence[str]]
        if len(lens) == 1:
            cols = list(zip(*rows, strict=True))
        else:
            cols = [[r[j] if j < len(r) else "" for r in rows] for j in range(width)]
        header = list(chunk.header or [])
        header += [""] * (width - len(header))
        base = chunk.location
        pkey = (base.member, base.sheet, tuple(header))
        plans = state.plans.get(pkey)
        if plans is None or len(plans) < width:
            plans = [self._plan_column(header[j], cols[j]) for j in range(width)]
            role = tables.role(header)  # organisations/providers: no patient in the table
            plans = [
                _Plan(ck) if (ck := tables.column_kind(role, header[j])) else p for j, p in enumerate(plans)
            ]
            state.plans[pkey] = plans
        out = state.out
        first = chunk.first_row
        t = _TableKeys(n)
        first_names: Sequence[str] | None = None
        last_names: Sequence[str] | None = None
        for j, plan in enumerate(plans):
            col = cols[j]
            kind = plan.kind
            hname = header[j] or None

            def loc(i: int, j: int = j, hname: str | None = hname) -> Location:
                return base.with_(row=first + i, column=hname, column_index=j)

            if kind in C.NAME_KINDS:
                col = tables.strip_name_digits(col)
            if kind == C.FIRST_NAME:
                first_names = col
            elif kind == C.LAST_NAME:
                last_names = col
            elif kind in (C.FULL_NAME, C.OTHER_NAME):
                # a generic "name" header is checked strictly, unless the table's role typed it
                strict = C.is_generic_name(hname) and C.classify_label(hname or "") == kind
                found, norms = _name_column(col, strict)
                self._emit(out, PERSON_NAME, MID, col, found, norms, loc)
                if kind == C.FULL_NAME:
                    t.set_first("PERSON_NAME", norms, found)
            elif kind == "DATE_OF_BIRTH":
                found, norms = _date_column(col, plan.dayfirst)
                self._emit(out, dob.DOB, HIGH, norms, found, norms, loc)
                t.set_last("DATE_OF_BIRTH", norms, found)
            elif kind == C.ORGANISATION:
                found, norms = _org_column(col)
                cache = self._emit(out, ORGANISATION, MID, col, found, norms, loc)
                if found:
                    vals = map(norms.__getitem__, found) if len(found) < len(norms) else norms
                    out.organisations.update(map(cache.__getitem__, vals))
            elif kind in C.HEALTH_KINDS:
                found, norms = _per_distinct(col, _health_cell)
                self._emit(out, HEALTH[kind], MID, col, found, norms, loc)
            elif kind == C.SKIP:
                continue
            elif kind is not None and kind in VALUE_CHECKS:
                for k, conf, found, norms in _typed_column(kind, col):
                    self._emit(out, k, conf, col, found, norms, loc)
                    if k.type in reserved.CHECKS:
                        state.note(k.type, map(col.__getitem__, found))
                    if k.type in PERSON_KEY_TYPES:
                        t.set_first(k.type, norms, found)
            else:
                # TEXT, or a column no header or vote typed: shapes (and for TEXT, names and health).
                self._text_column(col, kind == C.TEXT, out, t, loc, state)
        if first_names is not None or last_names is not None:
            empty = repeat("", n)
            fcol = first_names if first_names is not None else empty
            lcol = last_names if last_names is not None else empty
            # f"{first.strip()} {last.strip()}".strip() per row, with C-level maps
            full = list(
                map(str.strip, map(" ".join, zip(map(str.strip, fcol), map(str.strip, lcol), strict=True)))
            )
            jn = next(j for j, p in enumerate(plans) if p.kind in (C.LAST_NAME, C.FIRST_NAME))
            col_name = header[jn]

            def loc_name(i: int) -> Location:
                return base.with_(row=first + i, column=col_name)

            found, norms = _name_column(full, False)
            self._emit(out, PERSON_NAME, MID, full, found, norms, loc_name)
            t.set_first("PERSON_NAME", norms, found)
        out.people.extend(self._table_people(t))

    def _emit(
        self,
        out: ContentFindings,
        kind: Kind,
        conf: float,
        raws: Sequence[str],
        found: Sequence[int],
        norms: Sequence[str],
        loc: Callable[[int], Location],
    ) -> dict[str, str]:
        """One kind's findings in one column: rows `found`, raw values and normalised values aligned
        with the column's rows."""
        if not found:
            return {}
        return self._summarise(
            out,
            kind,
            conf,
            len(found),
            found,
            map(raws.__getitem__, found),
            map(norms.__getitem__, found) if len(found) < len(norms) else norms,
            loc,
        )

    def _table_people(self, t: _TableKeys) -> Iterable[tuple[str, ...]]:
        """One record per row holding any person key: built column-wise, rows zipped in C."""
        keycols: list[Sequence[str | None]] = []
        for typ, (norms, found) in t.first.items():
            if typ not in PERSON_KEY_TYPES or not found:
                continue
            if len(found) + norms.count("") == len(norms):
                # the rows found are the non-empty values: their keys, None elsewhere, in one pass
                keys, _ = self._fp.key_list(self._fp_cache.setdefault(typ, {}), None, norms, typ)
            else:
                kc = self._person_keys(
                    typ, map(norms.__getitem__, found) if len(found) < len(norms) else norms
                )
                keys = list(map(kc.get, norms))
            keycols.append(keys)
            if typ == "FR_INS":  # an INS that is a NIR also links to the person's NIR
                nirs = {v for v in map(norms.__getitem__, found) if v[:1] in "12"}
                if nirs:
                    nk = self._person_keys("FR_NIR", nirs)
                    keycols.append([nk.get(v) if v in nirs else None for v in norms])
        names_ = t.first.get("PERSON_NAME")
        dobs = t.first.get("DATE_OF_BIRTH")
        if names_ and dobs and names_[1] and dobs[1]:
            # name|dob per row ("|" alone or at an end where one is missing: no key)
            combo = list(map("|".join, zip(names_[0], dobs[0], strict=True)))
            cache = self._fp_cache.setdefault("NAME_DOB", {})
            keys, _ = self._fp.key_list(cache, None, combo, "NAME_DOB", combo=True)
            if keys.count(None) < len(keys):
                keycols.append(keys)
        if not keycols:
            return ()
        # records as tuples: a row's keys are distinct (one per type), and a tuple costs no hashing
        if not any(None in kc for kc in keycols):  # every row has every key
            return zip(*keycols, strict=True)
        return filter(None, map(tuple, map(partial(filter, None), zip(*keycols, strict=True))))

    def _text_column(
        self,
        col: Sequence[str],
        full: bool,
        out: ContentFindings,
        t: _TableKeys,
        loc: Callable[[int], Location],
        state: _ObjectState | None = None,
    ) -> None:
        """Free-text passes over the column's distinct values (joined once), hits then counted for
        every row holding the value: same findings as scanning every cell, once per value."""
        uniq = list(dict.fromkeys(col))
        buf = _Buffer.build(uniq, [])
        buf.label_types = []
        buf.label_kinds = []
        hits = self.text_hits(buf, labelled=False, shapes_only=not full)
        if not hits:
            return
        by_val: dict[str, list[Hit]] = {}
        for h in hits:
            by_val.setdefault(uniq[h.seg], []).append(h)
        rows_of: dict[str, list[int]]
        if len(by_val) <= 8:  # a few values with hits: one C-level pass over the column each
            rng = range(len(col))
            rows_of = {v: list(compress(rng, map(v.__eq__, col))) for v in by_val}
        else:
            rows_of = {v: [] for v in by_val}
            for i, v in enumerate(col):
                r = rows_of.get(v)
                if r is not None:
                    r.append(i)
        # per kind: occurrences (value, hit) in the order the values first appear
        per_kind: dict[str, list[tuple[str, Hit]]] = {}
        for v, hs in by_val.items():
            for h in hs:
                per_kind.setdefault(h.kind.type, []).append((v, h))
        for typ, occ in per_kind.items():
            if state is not None and typ in reserved.CHECKS:
                state.note(typ, (h.raw for _, h in occ))
            kind = occ[0][1].kind
            count = sum(len(rows_of[v]) for v, _ in occ)
            conf = max(h.conf for _, h in occ)
            first_rows = heapq.merge(*(rows_of[v] for v, _ in occ))
            cache = self._summarise(
                out, kind, conf, count, first_rows, (h.raw for _, h in occ), {h.norm for _, h in occ}, loc
            )
            del cache
            if typ in PERSON_KEY_TYPES:
                first_norm: dict[str, str] = {}
                for v, h in occ:
                    first_norm.setdefault(v, h.norm)
                norms = [first_norm.get(v, "") for v in col]
                found = sorted(i for v in first_norm for i in rows_of[v])
                t.set_first(typ, norms, found)

    def _plan_column(self, header: str, col: Sequence[str]) -> _Plan:
        kind = C.classify_label(header) if header else None
        sample = [v for v in col[: self.sample_rows * 4] if v and v.strip()][: self.sample_rows]
        if kind == "DATE_OF_BIRTH":
            return _Plan(kind, self.dayfirst or dob.day_first_hint(sample))
        if kind is not None:
            if kind in VALUE_CHECKS and sample:
                # a header that promises a type the values do not have (e.g. 'tin' holding words)
                ok = sum(1 for v in sample if VALUE_CHECKS[kind](v) is not None)
                if ok == 0 and all(not any(c.isdigit() for c in v) for v in sample):
                    return _Plan(C.TEXT)
            return _Plan(kind)
        if not sample:
            return _Plan(None)
        if all(_SHORT_NUMBER.fullmatch(v) for v in sample):
            return _Plan(C.SKIP)  # amounts, counts, codes under 8 digits: no identifier fits
        return _Plan(self._vote(sample))

    def _vote(self, sample: list[str]) -> str | None:
        """Type an unnamed column from its values: the type covering most sampled cells wins."""
        counts: dict[str, int] = {}
        any_hit = False
        for v in sample:
            buf = _Buffer.build([v], [])
            buf.label_types, buf.label_kinds = [], []
            hs = self.text_hits(buf, labelled=False, shapes_only=False)
            if hs:
                any_hit = True
                whole = [h for h in hs if h.end - h.start >= 0.6 * len(v.strip())]
                for h in whole[:1]:
                    counts[h.kind.type] = counts.get(h.kind.type, 0) + 1
        n = len(sample)
        if counts:
            t, c = max(counts.items(), key=lambda kv: kv[1])
            if c >= 0.6 * n and t in VALUE_CHECKS:
                return t
        # names without a header: most values are dictionary names
        toks = [v.split() for v in sample]
        if sum(1 for t in toks if names.is_dictionary_name(t)) >= 0.6 * n:
            return C.FULL_NAME
        words = sum(len(t) for t in toks) / n
        if any_hit or words >= 3:
            return C.TEXT
        return None


_ID_KINDS = frozenset({"US_SSN", "DRIVER_LICENSE", "PASSPORT", "UK_NHS", "FR_INS", "US_MBI"})


def _same_person_name(a: str, b: str) -> bool:
    """'hall' and 'sonya hall' (a family/given field next to the full name) are one person."""
    ta, tb = set(a.split()), set(b.split())
    return ta <= tb or tb <= ta


_EMPTY = frozenset({"", "none", "n/a", "na", "null", "-", "unknown", "no", "nil"})

__all__ = ["BY_TYPE", "DetectionEngine", "normalise_org"]
