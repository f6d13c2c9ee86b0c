"""The few value types every pipeline stage speaks.

Stages talk through these types only (see ../shared/ARCHITECTURE.md). A raw sensitive value never
appears in any of them: detect/ turns values into masked excerpts and keyed fingerprints before a
result leaves it.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

_T = TypeVar("_T")


def pickled_by_fields(cls: type[_T]) -> type[_T]:
    """A slots dataclass pickled as (class, field values), rebuilt by its __init__: the default for
    slots dataclasses walks `dataclasses.fields()` in Python on both sides (~20 µs per job and per
    result crossing to and from a worker, more than a tiny object's detection). Subclasses keep the
    default."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    if any(not f.init for f in fields(cls)):  # type: ignore[arg-type]
        raise TypeError(f"{cls.__name__}: every field must be an __init__ argument")
    get = operator.attrgetter(*names)
    one = len(names) == 1

    def __reduce_ex__(self: Any, protocol: Any) -> Any:
        if type(self) is not cls:
            return object.__reduce_ex__(self, protocol)
        values = get(self)
        return cls, (values,) if one else values

    cls.__reduce_ex__ = __reduce_ex__  # type: ignore[method-assign]
    return cls


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One object in one store: enough to fetch it and to name it in a report."""

    bucket: str
    key: str
    size: int
    etag: str | None = None
    last_modified: datetime | None = None
    storage_class: str | None = None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Location:
    """Where inside an object a piece of text came from.

    Every field is optional; an extractor fills the ones that make sense for its format so a report
    can say "row 812, column ssn" or "page 2, form field 'Social Security No.'". Rows, lines and pages
    are 1-based; byte offsets 0-based.
    """

    member: str | None = None  # archive member path; nested archives joined with "!/"
    sheet: str | None = None  # spreadsheet sheet or slide name
    page: int | None = None
    field: str | None = None  # PDF form field name
    row: int | None = None  # data row (1 = first row after any header)
    column: str | None = None  # column header, when the table has one
    column_index: int | None = None  # 0-based column position
    line: int | None = None
    json_path: str | None = None  # e.g. $.entry[3].resource.name[0].family
    hl7: str | None = None  # e.g. PID-5 or PID-3.1
    dicom_tag: str | None = None  # e.g. (0010,0010) PatientName
    offset: int | None = None  # byte offset in the (decompressed) object
    start_s: float | None = None  # audio: start time in seconds
    end_s: float | None = None  # audio: end time in seconds
    bbox: tuple[int, int, int, int] | None = None  # image: left, top, width, height in pixels

    def to_dict(self) -> dict[str, Any]:
        """Only the fields that are set, in declaration order (JSON-friendly)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is not None:
                out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    def with_(self, **changes: Any) -> Location:
        """A copy with some fields replaced (dataclasses.replace, shorter)."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d.update(changes)
        return Location(**d)


@dataclass(slots=True)
class Segment:
    """A piece of text and where it came from.

    `label` is the human name that gives the text its meaning, when the format has one: a form
    field's name, an HL7 field's name (PID-7 "date of birth"), a DICOM keyword, a JSON key. Detection
    uses it as context the way it uses a column header.
    """

    text: str
    location: Location
    label: str | None = None


@dataclass(slots=True)
class TableChunk:
    """A batch of rows from one table, kept columnar-friendly so detection can work per column.

    `rows[i]` is data row `first_row + i` (1-based, header excluded). Rows may be ragged.
    """

    header: list[str] | None
    rows: list[list[str]]
    first_row: int
    location: Location = field(default_factory=Location)


class Status(enum.StrEnum):
    """How far an object was read. A clean report must never silently mean "not scanned"."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    SKIPPED = "skipped"


# Detection categories. A person's data = identity, contact or financial identifiers; "health" is
# clinical context (diagnoses, codes, medications); "provider" identifies clinicians (NPI, DEA);
# "network" technical identifiers (IP addresses); "organisation" employer/insurer names.
# "test": test data and reserved/fictional values (9xx SSNs under an SSN header; example.com addresses
# and 555-01xx numbers when nothing else personal is in the object): shown, at low severity.
# "deidentified": person data in an object that declares it de-identified (DICOM PatientIdentityRemoved):
# replacement values, shown at low severity and not counted as people.
CATEGORIES = (
    "identity",
    "contact",
    "financial",
    "health",
    "provider",
    "network",
    "organisation",
    "test",
    "deidentified",
)
PERSON_CATEGORIES = frozenset({"identity", "contact", "financial"})


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Detection:
    """One occurrence of a sensitive value, already made safe to keep.

    `masked` is an excerpt such as ***-**-6789; `fingerprint` is a keyed HMAC of the normalised value
    used to count distinct people; neither allows recovering the value.
    """

    type: str
    confidence: float
    location: Location
    masked: str
    fingerprint: str
    category: str = "identity"


@pickled_by_fields
@dataclass(slots=True)
class DetectionSummary:
    """All occurrences of one type in one object, capped like Macie's occurrence lists.

    `fingerprints` holds every distinct value's fingerprint up to EXACT_MAX of them; past that it
    becomes a k-minimum-values sketch (the SKETCH_K smallest fingerprints, `cutoff` the largest kept),
    so a file with millions of distinct values costs bounded memory and `distinct` is an estimate
    (standard error ~1/sqrt(K) = 1 %). Fingerprints are HMAC outputs, uniform: the smallest K are a
    uniform sample, the same one in every object, so sketches of several objects merge.
    """

    type: str
    category: str
    count: int = 0
    confidence: float = 0.0
    locations: list[Location] = field(default_factory=list)
    masked_examples: list[str] = field(default_factory=list)
    fingerprints: set[str] = field(default_factory=set)
    cutoff: str | None = None  # set once the fingerprints are a sketch: only smaller ones are kept

    MAX_LOCATIONS = 15
    MAX_EXAMPLES = 5
    EXACT_MAX = 50_000
    SKETCH_K = 10_000

    def add(self, d: Detection) -> None:
        self.count += 1
        if d.confidence > self.confidence:
            self.confidence = d.confidence
        if len(self.locations) < self.MAX_LOCATIONS:
            self.locations.append(d.location)
        if len(self.masked_examples) < self.MAX_EXAMPLES and d.masked not in self.masked_examples:
            self.masked_examples.append(d.masked)
        self.add_fingerprints((d.fingerprint,))

    def add_fingerprints(self, fps: Iterable[str]) -> None:
        """Count these fingerprints (repeats are free); memory stays bounded (see the class doc)."""
        if self.cutoff is None:
            self.fingerprints.update(fps)
            if len(self.fingerprints) > self.EXACT_MAX:
                self._shrink()
        else:
            self.fingerprints.update(filter(self.cutoff.__gt__, fps))
            if len(self.fingerprints) >= 2 * self.SKETCH_K:
                self._shrink()

    def _shrink(self) -> None:
        self.fingerprints = set(kept := self._smallest(self.SKETCH_K))
        self.cutoff = kept[-1]

    def _smallest(self, k: int) -> list[str]:
        """The k smallest fingerprints, in order. HMAC outputs are uniform, so they lie below about
        the k/n quantile: strings under that bound (with a 25 % + 4-sigma margin) are sorted, not all
        n (one C-level filter and a short sort: ~4x faster than sorting 50,000 strings); the whole
        set is sorted when fewer than k fall under it (fingerprints that are not uniform)."""
        fps = self.fingerprints
        n = len(fps)
        q = (1.25 * k + 4 * k**0.5) / n if n else 1.0
        pool: Iterable[str] = fps
        if q < 1.0:
            bound = f"{int(q * 16**8):08x}"  # a fingerprint is under it iff its first 8 digits are
            under = list(filter(bound.__gt__, fps))
            if len(under) >= k:
                pool = under
        return sorted(pool)[:k]

    @property
    def distinct(self) -> int:
        """Distinct values: exact up to EXACT_MAX, then the KMV estimate (K - 1) / U(K)."""
        if self.cutoff is None:
            return len(self.fingerprints)
        k = self.SKETCH_K
        kth = self._smallest(k)[-1]
        return round((k - 1) / ((int(kth, 16) + 1) / 16 ** len(kth)))

    @property
    def estimated(self) -> bool:
        return self.cutoff is not None

    def merge(self, other: DetectionSummary) -> None:
        self.count += other.count
        self.confidence = max(self.confidence, other.confidence)
        room = self.MAX_LOCATIONS - len(self.locations)
        if room > 0:
            self.locations.extend(other.locations[:room])
        for m in other.masked_examples:
            if len(self.masked_examples) >= self.MAX_EXAMPLES:
                break
            if m not in self.masked_examples:
                self.masked_examples.append(m)
        cuts = [c for c in (self.cutoff, other.cutoff) if c is not None]
        if not cuts:
            self.add_fingerprints(other.fingerprints)
            return
        # above the lower cutoff one side's sample is incomplete: keep only what both saw in full
        cut = min(cuts)
        self.fingerprints = {f for f in self.fingerprints | other.fingerprints if f <= cut}
        self.cutoff = cut
        if len(self.fingerprints) >= 2 * self.SKETCH_K:
            self._shrink()

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "category": self.category,
            "count": self.count,
            "confidence": round(self.confidence, 3),
            "locations": [loc.to_dict() for loc in self.locations],
            "masked_examples": list(self.masked_examples),
        }


@pickled_by_fields
@dataclass(slots=True)
class ContentFindings:
    """What detection found in one object's text.

    `people` holds one collection per record (a table row, a form, a document, a message) of the
    distinct keys that identify the person in it, e.g. {"US_SSN:ab12..", "NAME_DOB:cd34.."} (a
    frozenset, or a tuple for a table row: no hashing, and tuples of strings leave the cyclic
    collector's lists at its first pass, so a 1M-row file costs less to build); impact/ links records
    sharing a key to count distinct people. `organisations` holds fingerprints of employer/organisation
    names. `health` is true when health context (diagnoses, medications, procedures, health
    identifiers) was found.
    """

    detections: dict[str, DetectionSummary] = field(default_factory=dict)
    people: list[Collection[str]] = field(default_factory=list)
    organisations: set[str] = field(default_factory=set)
    health: bool = False

    @property
    def categories(self) -> set[str]:
        return {s.category for s in self.detections.values()}

    def merge(self, other: ContentFindings) -> None:
        for t, s in other.detections.items():
            mine = self.detections.get(t)
            if mine is None:
                self.detections[t] = DetectionSummary(type=s.type, category=s.category)
                mine = self.detections[t]
            mine.merge(s)
        self.people.extend(other.people)
        self.organisations |= other.organisations
        self.health = self.health or other.health


@pickled_by_fields
@dataclass(slots=True)
class ObjectResult:
    """The outcome for one object: its status (always set) and what was found."""

    ref: ObjectRef
    status: Status
    reason: str | None = None
    content_type: str | None = None
    findings: ContentFindings = field(default_factory=ContentFindings)
    bytes_read: int = 0
    seconds: float = 0.0
    key_checked: bool = False  # the key was scanned (and masked if it holds anything): scan/keys.py

    @property
    def contains_phi(self) -> bool:
        """True when the object holds identifiers of at least one person (identity data)."""
        return any(s.category in PERSON_CATEGORIES for s in self.findings.detections.values())


def plain(obj: Any) -> Any:
    """Dataclass/enum/set tree → JSON-friendly structure."""
    if isinstance(obj, enum.Enum):
        return obj.value
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "__dataclass_fields__"):
        return {k: plain(v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(plain(v) for v in obj)
    if isinstance(obj, datetime):
        return obj.isoformat()
    return obj
