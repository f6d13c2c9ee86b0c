"""Free text: the compiled passes over a buffer of segments, labelled values ("Label: value",
form fields), values typed by a standard (FHIR, DICOM, HL7), and overlap resolution.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from phiscope.detect import columns as C
from phiscope.detect import context as ctx
from phiscope.detect import health, names, reserved, standards
from phiscope.detect.identifiers import contact, dob, records
from phiscope.detect.identifiers.base import alnum_upper, digits
from phiscope.detect.identifiers.unit import HIGH, LOW, MID, VETO
from phiscope.detect.kinds import DOB, HEALTH, ORGANISATION, PERSON_NAME, normalise_org
from phiscope.detect.patterns import AT_RE, DIGIT_RE, KV_RE, LETTER_RE
from phiscope.detect.person_keys import PersonKeys
from phiscope.detect.registry import (
    DISPATCH,
    NUMBER_GROUPS,
    STANDARD_ID_TYPES,
    VALUE_CHECKS,
)
from phiscope.detect.summary import Hit, _ObjectState
from phiscope.model import Location, Segment


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


class _Candidate:
    """The match being offered to claims (identifiers.unit.Candidate), reused across a pass: what
    a claim asks for is computed once, when first asked."""

    __slots__ = ("_ctx", "_digits", "_upper", "buf", "e", "engine", "raw", "s")

    def __init__(self, engine: TextPasses, buf: _Buffer) -> None:
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
        return TextPasses._after_state(self.buf, self.s)

    def dob_context(self) -> bool:
        return ctx.dob_context(self.buf.lower, self.s)

    def dob_label(self) -> bool:
        kinds = self.buf.label_kinds
        return bool(kinds) and kinds[self.buf.seg_of(self.s)] == DOB

    def dayfirst(self) -> bool:
        return self.engine.dayfirst or TextPasses._french(self.buf, self.s)


class TextPasses(PersonKeys):
    """Free text: the compiled passes, the keyword/label/context rules, overlaps resolved."""

    dayfirst: bool
    find_names: bool

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """One text -> (start, end, type) of every detection: offsets only, for benchmarks and tests
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
        for h in hits:
            lb = segs[h.seg].label
            if lb and standards.about_other(lb):  # found in a next of kin's or guarantor's field
                h.scope = f"!{lb}"
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
            label = segs[i].label or ""
            self._standard_value(m, segs[i].text, buf.starts[i], i, extra, label)
            other = standards.about_other(label)
            for h in extra[n0:]:
                h.seg, h.prio = i, 0
                if other:  # someone else's identifier or birth date: not a key of the patient's record
                    h.scope = h.scope if h.scope.startswith("!") else f"!{label}"
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
        if kind in (standards.PATIENT_ID, standards.OTHER_ID):
            norm = alnum_upper(v)
            if 0 < len(norm) <= 64 and not standards.is_placeholder_id(v):
                # another person's id is found but kept out of the patient's record ("!" scope)
                scope = label if kind == standards.PATIENT_ID else f"!{label}"
                hits.append(Hit(s, e, records.MRN, v, norm, MID, scope=scope))
            return
        n0 = len(hits)
        self._cell_hits(kind, value, offset, seg, hits, subject=True)
        if len(hits) == n0 and kind in STANDARD_ID_TYPES and 0 < len(alnum_upper(v)) <= 64:
            # the standard says it identifies a person even when its format is not the usual one
            hits.append(Hit(s, e, records.MRN, v, alnum_upper(v), LOW, scope=label))

    def text_hits(self, buf: _Buffer, labelled: bool, shapes_only: bool = False) -> list[Hit]:
        """A text buffer -> all its hits, overlaps resolved (label/field values first, then longer spans)."""
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
        elif kind == DOB:
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
        if buf.label_kinds and DOB in buf.label_kinds:
            for i, lk in enumerate(buf.label_kinds):
                if lk == DOB:
                    stop = n if i + 1 >= len(buf.starts) else buf.starts[i + 1] - 1
                    for m in rx.finditer(text, buf.starts[i], stop):
                        found.setdefault(m.start(), m)
        for s in sorted(found):
            m = found[s]
            seg = buf.seg_of(s)
            if ctx.dob_context(lower, s) or (buf.label_kinds and buf.label_kinds[seg] == DOB):
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
