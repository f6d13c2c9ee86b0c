"""Detections summarised per type: fingerprints (one HMAC per distinct value and batch), counts,
locations and masked examples, and the object-level state that settles their categories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from phiscope.detect import reserved
from phiscope.detect.fingerprint import Fingerprinter
from phiscope.detect.identifiers.base import Kind
from phiscope.model import PERSON_CATEGORIES, ContentFindings, DetectionSummary, Location

MASK_TRIES = 256  # distinct raw values tried per column for the 5 masked examples
_HEALTH_CATEGORY = "health"


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
class _Plan:
    kind: str | None  # a type, a name/org/health kind, TEXT, or None = scan for shapes only
    dayfirst: bool = False


PEOPLE_COMPACT_AT = 200_000  # person records held before merging them (then at each doubling)


def _compact_people(state: _ObjectState) -> None:
    """Merge the object's person records as they accumulate, not only at its end: an archive of
    CSVs holds millions of row records (4.4 GB for a 13.6 MB zip) for a few thousand people.
    Linking is transitive, so merging early changes no count. The threshold doubles with what is
    left after each merge, keeping the cost linear."""
    people = state.out.people
    if len(people) < state.compact_at:
        return
    from phiscope.impact.people import compress_records

    state.out.people = compress_records(people)
    state.compact_at = max(PEOPLE_COMPACT_AT, 2 * len(state.out.people))


@dataclass(slots=True)
class _ObjectState:
    out: ContentFindings = field(default_factory=ContentFindings)
    plans: dict[tuple[object, ...], list[_Plan]] = field(default_factory=dict)
    # EMAIL/PHONE: types with a value that may be a person's, and the category of the others
    # (role mailbox, toll-free, reserved/fictional) when every value so far was one of those
    strong: set[str] = field(default_factory=set)
    weak: dict[str, str] = field(default_factory=dict)
    deidentified: bool = False  # DICOM PatientIdentityRemoved = YES
    other: bool = False  # person data other than EMAIL/PHONE found: no need to look at those
    compact_at: int = PEOPLE_COMPACT_AT

    def note(self, typ: str, raws: Iterable[str]) -> None:
        check = reserved.CHECKS.get(typ)
        if check is None or typ in self.strong or self.other:
            return
        if any(
            d.category in PERSON_CATEGORIES and d.type not in reserved.CONTACT_BLOCK
            for d in self.out.detections.values()
        ):
            self.other = True  # a name, an SSN… already: the object is personal whatever these are
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
        if not dets or any(d.type in self.strong or d.type not in reserved.CONTACT_BLOCK for d in dets):
            return
        if all(d.type in self.weak for d in dets):
            for d in dets:
                d.category = self.weak[d.type]
        elif reserved.ORGANISATION in self.weak.values():
            # an address beside a role mailbox or toll-free line, no name: an organisation's contact block
            for d in dets:
                d.category = reserved.ORGANISATION


class Summaries:
    """Fingerprint caches of the batch being analysed, and the per-type summaries they feed."""

    _fp: Fingerprinter
    _fp_cache: dict[str, dict[str, str]]
    _key_cache: dict[str, dict[str, str]]

    def fingerprint(self, kind: str, normalised: str) -> str:
        """A type and a normalised value -> its keyed fingerprint (cached for the batch)."""
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
