"""People: the keys (type:fingerprint) that identify one person, grouped per record in free text
(one page/member block) and per row in tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial

from phiscope.detect.kinds import DOB, NAME, NAME_DOB
from phiscope.detect.registry import (
    LINKS,
    PERSON_KEY_TYPES,
)
from phiscope.detect.summary import Hit, Summaries
from phiscope.model import ContentFindings, Location, Segment


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


class PersonKeys(Summaries):
    """Person records (sets of keyed fingerprints) from free-text hits and from table rows."""

    def _text_records(self, hits: list[Hit], segs: list[Segment], out: ContentFindings) -> None:
        """Group person hits into records: one per page/member block, split where a strong
        identifier of a kind already seen in the record comes back with another value."""
        rec: dict[str, str] = {}
        block: tuple[object, ...] | None = None
        for h in hits:
            t = h.kind.type
            if t not in PERSON_KEY_TYPES and not (h.subject and t in (NAME, DOB)):
                continue
            loc = segs[h.seg].location if h.seg < len(segs) else Location()
            # a page, a sheet, an archive member, one NDJSON line: never two records in one
            b = (loc.member, loc.page, loc.sheet, loc.line if loc.json_path is not None else None)
            if block is not None and b != block and rec:
                self._close(rec, out)
                rec = {}
            block = b
            if h.scope:
                if h.scope[0] == "!":
                    continue  # an identifier of someone else named in the record
                t = f"{t}@{h.scope}"
            old = rec.get(t)
            if old is not None and old != h.norm:
                if t == NAME and _same_person_name(old, h.norm):
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
        for t, (other, when) in LINKS.items():
            lv = rec.get(t)
            if lv is not None and when(lv):
                keys.add(f"{other}:{self.fingerprint(other, lv)}")
        if NAME in rec and DOB in rec:
            keys.add(self.name_dob_key(rec[NAME], rec[DOB]))
        if keys:
            out.people.append(frozenset(keys))

    def name_dob_key(self, normalised_name: str, iso_dob: str) -> str:
        """A normalised name and an ISO birth date -> the NAME_DOB person key (keyed fingerprint)."""
        return f"{NAME_DOB}:{self.fingerprint(NAME_DOB, normalised_name + '|' + iso_dob)}"

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
            link = LINKS.get(typ)
            if link is not None:  # e.g. an INS that is a NIR also keys the person's NIR
                other, when = link
                linked = {v for v in map(norms.__getitem__, found) if when(v)}
                if linked:
                    nk = self._person_keys(other, linked)
                    keycols.append([nk.get(v) if v in linked else None for v in norms])
        names_ = t.first.get(NAME)
        dobs = t.first.get(DOB)
        if names_ and dobs and names_[1] and dobs[1]:
            # name|dob per row ("|" alone or at an end where one is missing: no key)
            combo = list(map("|".join, zip(names_[0], dobs[0], strict=True)))
            cache = self._fp_cache.setdefault(NAME_DOB, {})
            keys, _ = self._fp.key_list(cache, None, combo, NAME_DOB, combo=True)
            if keys.count(None) < len(keys):
                keycols.append(keys)
        if not keycols:
            return ()
        # records as tuples: a row's keys are distinct (one per type), and a tuple costs no hashing
        if not any(None in kc for kc in keycols):  # every row has every key
            return zip(*keycols, strict=True)
        return filter(None, map(tuple, map(partial(filter, None), zip(*keycols, strict=True))))


def _same_person_name(a: str, b: str) -> bool:
    """'hall' and 'sonya hall' (a family/given field next to the full name) are one person."""
    ta, tb = set(a.split()), set(b.split())
    return ta <= tb or tb <= ta
