"""Tables, column by column: a column's kind comes from its header (or a vote over a sample of its
values) and only that kind's check runs over its cells, with C-speed passes (vector.py) and
Python work once per distinct value.
"""

from __future__ import annotations

import heapq
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import compress, repeat

from phiscope.detect import columns as C
from phiscope.detect import names, reserved, tables, vector
from phiscope.detect.identifiers import dob
from phiscope.detect.identifiers.base import Kind
from phiscope.detect.identifiers.unit import HIGH, MID
from phiscope.detect.kinds import (
    _ORG_SUFFIX_ASCII,
    DOB,
    HEALTH,
    NAME,
    ORGANISATION,
    PERSON_NAME,
    normalise_org,
)
from phiscope.detect.person_keys import _TableKeys
from phiscope.detect.registry import (
    FAST_CHECKS,
    PERSON_KEY_TYPES,
    VALUE_CHECKS,
)
from phiscope.detect.summary import Hit, _ObjectState, _Plan
from phiscope.detect.text import TextPasses, _Buffer
from phiscope.model import ContentFindings, Location, TableChunk

_SHORT_NUMBER = re.compile(r"[ \t]*[-+$€£]?[\d,]{1,7}(?:\.\d+)?[ \t]*%?")


# ---- whole-column checks (tables) -------------------------------------------------------------
#
# Each returns, for one column, the rows where a value was found and the normalised values aligned
# with the rows ("" where nothing was found). Fast shapes (vector.py) run over the joined column in
# C; the exact check runs only on the distinct cells they reject, so results equal the exact check
# on every cell.

Found = tuple[Sequence[int], list[str]]  # rows found (a range when every row), normalised values


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


class TablePasses(TextPasses):
    """Tables, column by column: a plan per column (header or vote), typed columns, row keys."""

    sample_rows: int

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
        elif len(plans) > width:
            plans = plans[:width]  # a narrower chunk (e.g. a run of empty rows) reuses a wider plan
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
                    t.set_first(NAME, norms, found)
            elif kind == DOB:
                found, norms = _date_column(col, plan.dayfirst)
                self._emit(out, dob.DOB, HIGH, norms, found, norms, loc)
                t.set_last(DOB, norms, found)
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
            t.set_first(NAME, norms, found)
        out.people.extend(self._table_people(t))

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
        if kind == DOB:
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


_EMPTY = frozenset({"", "none", "n/a", "na", "null", "-", "unknown", "no", "nil"})
