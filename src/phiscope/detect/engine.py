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
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import accumulate

from phiscope.detect import columns as C
from phiscope.detect import context as ctx
from phiscope.detect import health, names
from phiscope.detect.fingerprint import Fingerprinter
from phiscope.detect.identifiers import (
    BY_TYPE,
    PERSON_KEY_TYPES,
    Kind,
    canada,
    codes,
    contact,
    dob,
    france,
    medicare,
    network,
    payment,
    provider,
    records,
    uk,
    us_ssn,
)
from phiscope.detect.identifiers.base import alnum_upper, digits
from phiscope.detect.mask import mask_name, mask_term
from phiscope.detect.patterns import AT_RE, DIGIT_RE, KV_RE, LETTER_RE
from phiscope.model import ContentFindings, DetectionSummary, Location, Segment, TableChunk

_ORG_SUFFIX = re.compile(
    r"\b(?:inc|incorporated|llc|ltd|limited|corp|corporation|co|company|plc|sa|sas|sarl|gmbh|ag|lp|llp)\b\.?"
)


def normalise_org(raw: str) -> str:
    s = (raw if raw.isascii() else names.strip_accents(raw)).casefold().replace("&", " and ")
    s = re.sub(r"[^\w\s]", " ", s)
    s = _ORG_SUFFIX.sub(" ", s)
    return " ".join(s.split())


def _norm_id(raw: str) -> str:
    return raw


PERSON_NAME = Kind("PERSON_NAME", "identity", names.normalise_name, mask_name)
ORGANISATION = Kind("ORGANISATION", "organisation", normalise_org, mask_name)
HEALTH = {t: Kind(t, "health", str.lower, mask_term) for t in ("HEALTH_CONDITION", "MEDICATION", "PROCEDURE")}
_HEALTH_CATEGORY = "health"

# Confidence levels: validated + context, validated alone, shape + context only.
HIGH, MID, LOW = 0.95, 0.8, 0.6

Valid = tuple[Kind, str, float]  # kind, normalised value, confidence

_SHORT_NUMBER = re.compile(r"[ \t]*[-+$€£]?[\d,]{1,7}(?:\.\d+)?[ \t]*%?")
_RECORD_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{3,18}[A-Za-z0-9]")
_DIGITS_ONLY = re.compile(r"[\d \-./()+]+")


# ---- value checks: a value already known (by header/label/context) to be of one type ----------


_SSN_CELL = re.compile(r"[ \t]*(\d{3})[- ]?(\d{2})[- ]?(\d{4})[ \t]*")


def _v_ssn(raw: str) -> Valid | None:
    m = _SSN_CELL.fullmatch(raw)
    if m is None:
        return None
    d = "".join(m.groups())
    if us_ssn.is_valid_ssn(d):
        return us_ssn.SSN, d, HIGH
    if us_ssn.is_valid_itin(d):
        return us_ssn.ITIN, d, HIGH
    return None


def _v_medicare(raw: str) -> Valid | None:
    if medicare.is_valid_mbi(raw):
        return medicare.MBI, alnum_upper(raw), HIGH
    if medicare.is_valid_hicn(raw):
        return medicare.HICN, alnum_upper(raw), HIGH
    return None


def _v_simple(kind: Kind, check: Callable[[str], bool], conf: float = HIGH) -> Callable[[str], Valid | None]:
    def f(raw: str) -> Valid | None:
        return (kind, kind.normalise(raw), conf) if check(raw) else None

    return f


def _v_nir(raw: str) -> Valid | None:
    return (france.NIR, alnum_upper(raw), HIGH) if france.is_valid_nir(raw) else None


def _v_ins(raw: str) -> Valid | None:
    return (france.INS, alnum_upper(raw), HIGH) if france.is_valid_nir(raw) else None


def _v_phone(raw: str) -> Valid | None:
    s = raw.strip()
    if not _DIGITS_ONLY.fullmatch(s) or not 7 <= len(digits(s)) <= 15:
        return None
    return contact.PHONE, digits(s), HIGH


def _v_record(kind: Kind) -> Callable[[str], Valid | None]:
    def f(raw: str) -> Valid | None:
        s = raw.strip()
        if _RECORD_ID_RE.fullmatch(s) is None or not records.is_valid_record_id(s):
            return None
        return kind, alnum_upper(s), MID

    return f


def _v_address(raw: str) -> Valid | None:
    s = " ".join(raw.split())
    if len(s) < 6 or not any(c.isdigit() for c in s) or not any(c.isalpha() for c in s):
        return None
    return contact.ADDRESS, contact.ADDRESS.normalise(s), MID


def _v_zip(raw: str) -> Valid | None:
    s = raw.strip()
    if len(s) not in (5, 10) or not contact.is_valid_zip(s) or not _DIGITS_ONLY.fullmatch(s):
        return None
    return contact.ZIP, digits(s), MID


def _v_ip(raw: str) -> Valid | None:
    s = raw.strip()
    if network.is_valid_ipv4(s) or (":" in s and network.is_valid_ipv6(s)):
        return network.IP, s.lower(), HIGH
    return None


VALUE_CHECKS: dict[str, Callable[[str], Valid | None]] = {
    "US_SSN": _v_ssn,
    "US_ITIN": _v_ssn,
    "US_MBI": _v_medicare,
    "US_HICN": _v_medicare,
    "US_NPI": _v_simple(provider.NPI, provider.is_valid_npi),
    "US_DEA": _v_simple(provider.DEA, provider.is_valid_dea),
    "NDC": _v_simple(codes.NDC, codes.is_valid_ndc, MID),
    "ICD10_CM": _v_simple(codes.ICD10, codes.is_valid_icd10, MID),
    "CPT_HCPCS": _v_simple(codes.CPT, codes.is_valid_cpt, MID),
    "MEDICAL_RECORD_NUMBER": _v_record(records.MRN),
    "DRIVER_LICENSE": _v_record(records.DRIVER_LICENSE),
    "PASSPORT": _v_record(records.PASSPORT),
    "PHONE": _v_phone,
    "EMAIL": _v_simple(contact.EMAIL, lambda r: contact.EMAIL_RE.fullmatch(r.strip()) is not None),
    "POSTAL_ADDRESS": _v_address,
    "ZIP_CODE": _v_zip,
    "IP_ADDRESS": _v_ip,
    "FR_NIR": _v_nir,
    "FR_INS": _v_ins,
    "UK_NHS": _v_simple(uk.NHS, uk.is_valid_nhs),
    "CA_SIN": _v_simple(canada.SIN, canada.is_valid_sin),
    "CREDIT_CARD": _v_simple(payment.CARD, payment.is_valid_card),
    "IBAN": _v_simple(payment.IBAN, payment.is_valid_iban),
}


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


class DetectionEngine:
    """Holds the compiled passes and the fingerprint key; `scan` one object's items at a time.

    Options: `names` (find person names in free text, default True), `dayfirst` (read ambiguous
    numeric dates day-first, default False), `uk` (accept NHS numbers without "NHS" context,
    default False), `sample_rows` (values sampled to type an unnamed column, default 64).
    """

    def __init__(
        self,
        secret: bytes,
        *,
        names: bool = True,
        dayfirst: bool = False,
        uk: bool = False,
        sample_rows: int = 64,
    ) -> None:
        self._fp = Fingerprinter(secret)
        self._fp_cache: dict[tuple[str, str], str] = {}
        self.find_names = names
        self.dayfirst = dayfirst
        self.uk = uk
        self.sample_rows = sample_rows
        health.vocabulary()
        from phiscope.detect import names as _n

        _n.first_names()
        _n.last_names()

    # -- fingerprints and summaries -------------------------------------------------------------

    def fingerprint(self, kind: str, normalised: str) -> str:
        key = (kind, normalised)
        fp = self._fp_cache.get(key)
        if fp is None:
            if len(self._fp_cache) > 200_000:
                self._fp_cache.clear()
            fp = self._fp_cache[key] = self._fp(kind, normalised)
        return fp

    def _record(self, out: ContentFindings, kind: Kind, raw: str, norm: str, conf: float, loc: object) -> str:
        """DetectionSummary.add without building what the caps would drop (locations, masks)."""
        fp = self.fingerprint(kind.type, norm)
        s = out.detections.get(kind.type)
        if s is None:
            s = out.detections[kind.type] = DetectionSummary(kind.type, kind.category)
        s.count += 1
        if conf > s.confidence:
            s.confidence = conf
        if len(s.locations) < s.MAX_LOCATIONS:
            s.locations.append(loc() if callable(loc) else loc)  # type: ignore[arg-type]
        if len(s.masked_examples) < s.MAX_EXAMPLES:
            m = kind.mask(raw)
            if m not in s.masked_examples:
                s.masked_examples.append(m)
        s.fingerprints.add(fp)
        if kind.category == _HEALTH_CATEGORY:
            out.health = True
        return fp

    def _record_many(
        self,
        out: ContentFindings,
        kind: Kind,
        found: list[tuple[int, str, str]],
        conf: float,
        loc: Callable[[int], Callable[[], Location]],
    ) -> list[str]:
        """A column's detections at once: (row index, raw, normalised) → fingerprints, in order.

        Same result as `_record` per item; fingerprints are computed once per distinct value."""
        if not found:
            return []
        t = kind.type
        cache = {n: self.fingerprint(t, n) for n in {f[2] for f in found}}
        fps = [cache[f[2]] for f in found]
        s = out.detections.get(t)
        if s is None:
            s = out.detections[t] = DetectionSummary(t, kind.category)
        s.count += len(found)
        if conf > s.confidence:
            s.confidence = conf
        room = s.MAX_LOCATIONS - len(s.locations)
        for i, _, _ in found[: max(0, room)]:
            s.locations.append(loc(i)())
        for _, raw, _ in found:
            if len(s.masked_examples) >= s.MAX_EXAMPLES:
                break
            m = kind.mask(raw)
            if m not in s.masked_examples:
                s.masked_examples.append(m)
        s.fingerprints.update(cache.values())
        if kind.category == _HEALTH_CATEGORY:
            out.health = True
        return fps

    # -- entry point --------------------------------------------------------------------------

    def scan(self, items: Iterable[Segment | TableChunk]) -> ContentFindings:
        state = _ObjectState()
        pending: list[Segment] = []
        size = 0
        for item in items:
            if isinstance(item, TableChunk):
                if pending:
                    self._scan_segments(pending, state)
                    pending, size = [], 0
                self._scan_table(item, state)
            else:
                pending.append(item)
                size += len(item.text)
                if size > 4_000_000:
                    self._scan_segments(pending, state)
                    pending, size = [], 0
        if pending:
            self._scan_segments(pending, state)
        return state.out

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, type) of every detection in one text: offsets only, for benchmarks and tests
        on synthetic data (the scan pipeline uses `scan`)."""
        buf = _Buffer.build([text], [None])
        return [(h.start, h.end, h.kind.type) for h in self.text_hits(buf, labelled=True)]

    # -- free text ----------------------------------------------------------------------------

    def _scan_segments(self, segs: list[Segment], state: _ObjectState) -> None:
        buf = _Buffer.build([s.text for s in segs], [s.label for s in segs])
        hits = self.text_hits(buf, labelled=True)
        out = state.out
        for h in hits:
            self._record(out, h.kind, h.raw, h.norm, h.conf, segs[h.seg].location)
        self._text_records(hits, segs, out)

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
        for m in DIGIT_RE.finditer(buf.text):
            group = m.lastgroup
            raw = m.group()
            s, e = m.span()
            r = self._classify_digit(group or "", raw, buf, s, e)
            if r is not None:
                subject = r[0] is dob.DOB
                hits.append(Hit(s, e, r[0], raw, r[1], r[2], subject))

    def _classify_digit(self, group: str, raw: str, buf: _Buffer, s: int, e: int) -> Valid | None:
        def near() -> frozenset[str]:
            return self._ctx(buf, s, e, buf.seg_of(s))

        if group == "ssn":
            d = digits(raw)
            c = near()
            if us_ssn.is_valid_ssn(d):
                if "US_SSN" in c or "US_ITIN" in c:
                    return us_ssn.SSN, d, HIGH
                if " " in raw or "NEGATIVE" in c:
                    return None
                return us_ssn.SSN, d, MID
            if us_ssn.is_valid_itin(d) and ("-" in raw or "US_ITIN" in c) and "NEGATIVE" not in c:
                return us_ssn.ITIN, d, HIGH if "US_ITIN" in c else MID
            if "CA_SIN" in c and canada.is_valid_sin(d):
                return canada.SIN, d, HIGH
            return None
        if group in ("phone", "phone1"):
            c = near()
            d = digits(raw)
            if len(d) == 10 and "UK_NHS" in c and uk.is_valid_nhs(d):
                return uk.NHS, d, HIGH
            if "US_NPI" in c and len(d) == 10 and provider.is_valid_npi(d):
                return provider.NPI, d, HIGH
            if contact.is_valid_nanp(raw) and ("NEGATIVE" not in c or "PHONE" in c):
                return contact.PHONE, d, HIGH if "PHONE" in c else MID
            if "PHONE" in c and 10 <= len(d) <= 11:
                return contact.PHONE, d, LOW
            return None
        if group == "sin":
            d = digits(raw)
            c = near()
            if "CA_SIN" in c and canada.is_valid_sin(d):
                return canada.SIN, d, HIGH
            return None
        if group == "frphone":
            d = digits(raw)
            if d[0] == "0" and d[1] != "0":
                return contact.PHONE, d, HIGH if "PHONE" in near() else MID
            return None
        if group == "ukphone":
            d = digits(raw)
            c = near()
            if len(d) == 10 and "UK_NHS" in c and uk.is_valid_nhs(d):
                return uk.NHS, d, HIGH
            if "PHONE" in c and 10 <= len(d) <= 11 and d[0] == "0":
                return contact.PHONE, d, MID
            return None
        if group in ("nir_sp", "card", "run"):
            return self._classify_number(raw, buf, s, e, near)
        if group == "date":
            if (buf.label_kinds and buf.label_kinds[buf.seg_of(s)] == "DATE_OF_BIRTH") or ctx.dob_context(
                buf.lower, s
            ):
                iso = dob.parse_date(raw, self.dayfirst or self._french(buf, s))
                if iso is not None:
                    return dob.DOB, iso, HIGH
            return None
        if group == "ip":
            if network.is_valid_ipv4(raw):
                c = near()
                if "NEGATIVE" in c and "IP_ADDRESS" not in c:
                    return None
                return network.IP, raw, HIGH if "IP_ADDRESS" in c else MID
            return None
        if group == "ndc":
            c = near()
            if "NDC" in c and codes.is_valid_ndc(raw):
                return codes.NDC, digits(raw), MID
            return None
        if group == "zip4":
            c = near()
            if "ZIP_CODE" in c or self._after_state(buf, s):
                return contact.ZIP, digits(raw), MID
            return None
        if group == "mbi":
            if medicare.is_valid_mbi(raw):
                c = near()
                if "NEGATIVE" in c and "US_MBI" not in c:
                    return None
                return medicare.MBI, alnum_upper(raw), HIGH if "US_MBI" in c else MID
            return None
        if group in ("hicn", "hicn_d"):
            if medicare.is_valid_hicn(raw) and "US_HICN" in near():
                return medicare.HICN, alnum_upper(raw), HIGH
            return None
        if group in ("addr", "fraddr"):
            return contact.ADDRESS, contact.ADDRESS.normalise(raw), MID
        return None

    def _classify_number(
        self, raw: str, buf: _Buffer, s: int, e: int, near: Callable[[], frozenset[str]]
    ) -> Valid | None:
        d = digits(raw)
        n = len(d)
        up = alnum_upper(raw)
        if len(up) == 15 and france.is_valid_nir(up):
            c = near()
            if "FR_INS" in c:
                return france.INS, up, HIGH
            return france.NIR, up, HIGH if "FR_NIR" in c else MID
        if 13 <= n <= 19 and n == len(up) and payment.is_valid_card(d):
            return payment.CARD, d, HIGH
        if n == 5:
            c = near()
            if "ZIP_CODE" in c or self._after_state(buf, s):
                return contact.ZIP, d, MID
            if "CPT_HCPCS" in c and codes.is_valid_cpt(d):
                return codes.CPT, d, MID
            return None
        if n == 9:
            c = near()
            if not c:
                return None
            if ("US_SSN" in c or "US_ITIN" in c) and us_ssn.is_valid_ssn(d):
                return us_ssn.SSN, d, HIGH
            if "US_ITIN" in c and us_ssn.is_valid_itin(d):
                return us_ssn.ITIN, d, HIGH
            if "CA_SIN" in c and canada.is_valid_sin(d):
                return canada.SIN, d, HIGH
            if "ZIP_CODE" in c and contact.is_valid_zip(d):
                return contact.ZIP, d, MID
            return None
        if n == 10:
            c = near()
            if not c:
                return None
            if "US_NPI" in c and provider.is_valid_npi(d):
                return provider.NPI, d, HIGH
            if "UK_NHS" in c and uk.is_valid_nhs(d):
                return uk.NHS, d, HIGH
            if "PHONE" in c and (contact.is_valid_nanp(d) or d[0] == "0"):
                return contact.PHONE, d, MID
            return None
        if n == 11:
            c = near()
            if "NDC" in c:
                return codes.NDC, d, MID
            if "PHONE" in c and d[0] == "1" and contact.is_valid_nanp(d):
                return contact.PHONE, d, MID
            return None
        if n == 8:
            c = near()
            if "DATE_OF_BIRTH" in c and ctx.dob_context(buf.lower, s):
                iso = dob.parse_date(d)
                if iso is not None:
                    return dob.DOB, iso, MID
        return None

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
        for m in LETTER_RE.finditer(buf.text):
            group = m.lastgroup
            raw = m.group()
            s, e = m.span()
            if group == "iban":
                if payment.is_valid_iban(raw):
                    hits.append(Hit(s, e, payment.IBAN, raw, alnum_upper(raw), HIGH, False))
                continue
            c = self._ctx(buf, s, e, buf.seg_of(s))
            if not c:
                continue
            if group == "dea":
                if "US_DEA" in c and provider.is_valid_dea(raw):
                    hits.append(Hit(s, e, provider.DEA, raw, raw, HIGH, False))
            elif group == "icd":
                if "ICD10_CM" in c and codes.is_valid_icd10(raw):
                    hits.append(Hit(s, e, codes.ICD10, raw, alnum_upper(raw), MID, False))
            elif group == "hcpcs" and "CPT_HCPCS" in c and codes.is_valid_cpt(raw):
                hits.append(Hit(s, e, codes.CPT, raw, raw, MID, False))

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
        for m in records.ANCHORED_RE.finditer(buf.text):
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

    def _text_dates(self, buf: _Buffer, hits: list[Hit]) -> None:
        lower = buf.lower
        if not any(k in lower for k in ("birth", "dob", "born", "naiss", "né", "ne le", "d.o.b")):
            return
        for m in dob.TEXT_DATE_RE.finditer(buf.text):
            s = m.start()
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
        keys = {f"{t}:{self.fingerprint(t, v)}" for t, v in rec.items() if t in PERSON_KEY_TYPES}
        if "FR_INS" in rec and rec["FR_INS"][:1] in "12":
            keys.add(f"FR_NIR:{self.fingerprint('FR_NIR', rec['FR_INS'])}")
        if "PERSON_NAME" in rec and "DATE_OF_BIRTH" in rec:
            keys.add(self.name_dob_key(rec["PERSON_NAME"], rec["DATE_OF_BIRTH"]))
        if keys:
            out.people.append(frozenset(keys))

    def name_dob_key(self, normalised_name: str, iso_dob: str) -> str:
        return f"NAME_DOB:{self.fingerprint('NAME_DOB', normalised_name + '|' + iso_dob)}"

    # -- tables -------------------------------------------------------------------------------

    def _scan_table(self, chunk: TableChunk, state: _ObjectState) -> None:
        rows = chunk.rows
        if not rows:
            return
        width = max(len(r) for r in rows)
        header = list(chunk.header or [])
        header += [""] * (width - len(header))
        base = chunk.location
        cols: list[list[str]] = [[r[j] if j < len(r) else "" for r in rows] for j in range(width)]
        pkey = (base.member, base.sheet, tuple(header))
        plans = state.plans.get(pkey)
        if plans is None or len(plans) < width:
            plans = state.plans[pkey] = [self._plan_column(header[j], cols[j]) for j in range(width)]
        out = state.out
        n = len(rows)
        first = chunk.first_row
        keys: list[dict[str, str]] = [{} for _ in range(n)]
        first_names: list[str] | None = None
        last_names: list[str] | None = None
        for j, plan in enumerate(plans):
            col = cols[j]
            kind = plan.kind
            hname = header[j] or None

            def loc(i: int, j: int = j, hname: str | None = hname) -> Callable[[], Location]:
                return lambda: base.with_(row=first + i, column=hname, column_index=j)

            if kind == C.FIRST_NAME:
                first_names = col
                continue
            if kind == C.LAST_NAME:
                last_names = col
                continue
            if kind in (C.FULL_NAME, C.OTHER_NAME):
                ok = names.is_plausible_name if C.is_generic_name(hname) else names.looks_like_name
                found = [(i, v, names.normalise_name(v)) for i, v in enumerate(col) if v and ok(v)]
                self._record_many(out, PERSON_NAME, found, MID, loc)
                if kind == C.FULL_NAME:
                    for i, _, norm in found:
                        keys[i].setdefault("PERSON_NAME", norm)
                continue
            if kind == "DATE_OF_BIRTH":
                parse = dob.parse_date
                dayfirst = plan.dayfirst
                found = [
                    (i, iso, iso) for i, v in enumerate(col) if v and (iso := parse(v, dayfirst)) is not None
                ]
                self._record_many(out, dob.DOB, found, HIGH, loc)
                for i, iso, _ in found:
                    keys[i]["DATE_OF_BIRTH"] = iso
                continue
            if kind == C.ORGANISATION:
                found = [
                    (i, v, normalise_org(v)) for i, v in enumerate(col) if v and any(c.isalpha() for c in v)
                ]
                out.organisations.update(self._record_many(out, ORGANISATION, found, MID, loc))
                continue
            if kind in C.HEALTH_KINDS:
                found = [
                    (i, v, low)
                    for i, v in enumerate(col)
                    if v and (low := v.strip().lower()) not in _EMPTY and any(c.isalpha() for c in low)
                ]
                self._record_many(out, HEALTH[kind], found, MID, loc)
                continue
            if kind == C.SKIP:
                continue
            if kind is not None and kind in VALUE_CHECKS:
                self._typed_column(kind, col, out, keys, loc)
                continue
            # TEXT, or a column no header or vote typed: shapes (and for TEXT, names and health).
            self._text_column(col, hname, kind == C.TEXT, out, keys, loc)
        if first_names is not None or last_names is not None:
            fcol = first_names or [""] * n
            lcol = last_names or [""] * n
            jn = next(j for j, p in enumerate(plans) if p.kind in (C.LAST_NAME, C.FIRST_NAME))
            for i in range(n):
                full = f"{fcol[i].strip()} {lcol[i].strip()}".strip()
                if full and names.looks_like_name(full):
                    norm = names.normalise_name(full)
                    self._record(
                        out,
                        PERSON_NAME,
                        full,
                        norm,
                        MID,
                        (lambda i=i: base.with_(row=first + i, column=header[jn])),
                    )
                    keys[i].setdefault("PERSON_NAME", norm)
        for rec in keys:
            if rec:
                self._close(rec, out)

    def _typed_column(
        self,
        kind: str,
        col: list[str],
        out: ContentFindings,
        keys: list[dict[str, str]],
        loc: Callable[[int], Callable[[], Location]],
    ) -> None:
        check = VALUE_CHECKS[kind]
        by_kind: dict[str, tuple[Kind, float, list[tuple[int, str, str]]]] = {}
        for i, v in enumerate(col):
            if not v:
                continue
            r = check(v)
            if r is None:
                continue
            k, norm, conf = r
            entry = by_kind.get(k.type)
            if entry is None:
                entry = by_kind[k.type] = (k, conf, [])
            entry[2].append((i, v, norm))
        for k, conf, found in by_kind.values():
            self._record_many(out, k, found, conf, loc)
            if k.type in PERSON_KEY_TYPES:
                t = k.type
                for i, _, norm in found:
                    keys[i].setdefault(t, norm)

    def _text_column(
        self,
        col: list[str],
        hname: str | None,
        full: bool,
        out: ContentFindings,
        keys: list[dict[str, str]],
        loc: Callable[[int], Callable[[], Location]],
    ) -> None:
        buf = _Buffer.build(col, [])
        buf.label_types = []
        buf.label_kinds = []
        hits = self.text_hits(buf, labelled=False, shapes_only=not full)
        for h in hits:
            self._record(out, h.kind, h.raw, h.norm, h.conf, loc(h.seg))
            if h.kind.type in PERSON_KEY_TYPES:
                keys[h.seg].setdefault(h.kind.type, h.norm)

    def _plan_column(self, header: str, col: list[str]) -> _Plan:
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


def _same_person_name(a: str, b: str) -> bool:
    """'hall' and 'sonya hall' (a family/given field next to the full name) are one person."""
    ta, tb = set(a.split()), set(b.split())
    return ta <= tb or tb <= ta


_EMPTY = frozenset({"", "none", "n/a", "na", "null", "-", "unknown", "no", "nil"})

__all__ = ["BY_TYPE", "DetectionEngine", "normalise_org"]
