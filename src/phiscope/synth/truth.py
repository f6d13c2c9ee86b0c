"""What the generator wrote, so tests can check a scan against it.

Each writer reports, per file, which people and employers it wrote, how many identifiers of each type
and the exact raw strings. `GroundTruth` is the result; it is written as JSON OUTSIDE the bucket folders
(it holds the raw synthetic values, for "no raw value leaks" tests).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = "phiscope/synth-truth/v1"

# Types whose raw strings are listed in `sensitive_values` (person identifiers and contact data).
# Provider NPI/DEA and ICD-10 codes are counted per file but are not a person's secret.
PERSON_VALUE_TYPES = (
    "US_SSN",
    "US_MBI",
    "FR_NIR",
    "PERSON_NAME",
    "DATE_OF_BIRTH",
    "PHONE",
    "EMAIL",
    "POSTAL_ADDRESS",
    "MEDICAL_RECORD_NUMBER",
)


@dataclass(slots=True)
class FileTruth:
    bucket: str
    key: str
    kind: (
        str  # e.g. "csv", "csv-headerless-semicolon", "pdf-acroform", "png-scan", "wav-mulaw-8k", "decoy-log"
    )
    contains_phi: bool  # holds identifiers of at least one person (identity or contact data)
    health: bool  # holds health context (diagnoses, ICD-10 codes, symptoms)
    records: int  # person records: rows, messages, forms, calls
    people: list[str]  # pseudonymous person ids (P0001, ...) whose data the file holds
    identifiers: dict[str, int]  # type -> occurrences written (US_SSN, PERSON_NAME, ICD10_CM, ...)
    employers: list[str]  # employer names written in the file
    decoys: dict[str, int]  # look-alikes that must NOT be detected (INVALID_SSN_SHAPED, ...)
    size: int = 0
    sha256: str = ""


@dataclass(slots=True)
class GroundTruth:
    schema: str
    seed: int
    params: dict[str, Any]
    buckets: list[str]
    people_total: int
    people_by_bucket: dict[str, int]
    employers_total: int
    employers_by_bucket: dict[str, int]
    files: list[FileTruth]
    sensitive_values: dict[str, list[str]]  # type -> every raw string written (all spellings)
    skipped: list[str]  # parts not generated, with the reason (e.g. espeak-ng missing)

    def file(self, bucket: str, key: str) -> FileTruth:
        for f in self.files:
            if f.bucket == bucket and f.key == key:
                return f
        raise KeyError(f"{bucket}/{key}")

    def all_sensitive_values(self) -> list[str]:
        return sorted({v for vs in self.sensitive_values.values() for v in vs})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(self.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n", "utf-8"
        )
        return path

    @classmethod
    def load(cls, path: Path) -> GroundTruth:
        d = json.loads(path.read_text("utf-8"))
        d["files"] = [FileTruth(**f) for f in d["files"]]
        return cls(**d)


@dataclass(slots=True)
class FileNote:
    """Accumulates what one writer puts into one file."""

    kind: str
    people: set[str] = field(default_factory=set)
    identifiers: Counter[str] = field(default_factory=Counter)
    employers: set[str] = field(default_factory=set)
    decoys: Counter[str] = field(default_factory=Counter)
    records: int = 0
    health: bool = False


class Recorder:
    """Collects FileNotes and raw values while writers run; `finish` turns them into a GroundTruth."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.notes: dict[tuple[str, str], FileNote] = {}
        self.values: dict[str, set[str]] = {t: set() for t in PERSON_VALUE_TYPES}
        self.skipped: list[str] = []

    def note(self, bucket: str, key: str, kind: str) -> FileNote:
        n = FileNote(kind=kind)
        self.notes[(bucket, key)] = n
        return n

    def value(self, note: FileNote, type_: str, raw: str, *, count: int = 1) -> None:
        """One identifier written: counted for the file, its raw spelling kept when it is a person's."""
        if not raw:
            return
        note.identifiers[type_] += count
        if type_ in self.values:
            self.values[type_].add(raw)

    def also(self, type_: str, raw: str) -> None:
        """Another spelling of a value already counted (e.g. the canonical name behind LOPEZ^MARIA)."""
        if raw and type_ in self.values:
            self.values[type_].add(raw)

    def person(
        self,
        note: FileNote,
        pid: str,
        values: Sequence[tuple[str, str | None]],
        *,
        employer: str | None = None,
        health: bool = False,
    ) -> None:
        """One person record (row, message, form, call) and the identifiers written in it."""
        note.people.add(pid)
        note.records += 1
        for type_, raw in values:
            if raw:
                self.value(note, type_, raw)
        if employer:
            note.employers.add(employer)
            note.identifiers["ORGANISATION"] += 1
        note.health = note.health or health

    def path(self, bucket: str, key: str) -> Path:
        p = self.root / bucket / key
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def finish(self, *, seed: int, params: dict[str, Any], buckets: list[str]) -> GroundTruth:
        files: list[FileTruth] = []
        people_by_bucket: dict[str, set[str]] = {b: set() for b in buckets}
        employers_by_bucket: dict[str, set[str]] = {b: set() for b in buckets}
        for (bucket, key), n in sorted(self.notes.items()):
            data = (self.root / bucket / key).read_bytes()
            phi = bool(n.people)
            files.append(
                FileTruth(
                    bucket=bucket,
                    key=key,
                    kind=n.kind,
                    contains_phi=phi,
                    health=n.health,
                    records=n.records,
                    people=sorted(n.people),
                    identifiers=dict(sorted(n.identifiers.items())),
                    employers=sorted(n.employers),
                    decoys=dict(sorted(n.decoys.items())),
                    size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                )
            )
            people_by_bucket.setdefault(bucket, set()).update(n.people)
            employers_by_bucket.setdefault(bucket, set()).update(n.employers)
        all_people = set().union(*people_by_bucket.values()) if people_by_bucket else set()
        all_employers = set().union(*employers_by_bucket.values()) if employers_by_bucket else set()
        return GroundTruth(
            schema=SCHEMA,
            seed=seed,
            params=params,
            buckets=buckets,
            people_total=len(all_people),
            people_by_bucket={b: len(s) for b, s in sorted(people_by_bucket.items())},
            employers_total=len(all_employers),
            employers_by_bucket={b: len(s) for b, s in sorted(employers_by_bucket.items())},
            files=files,
            sensitive_values={t: sorted(v) for t, v in self.values.items()},
            skipped=list(self.skipped),
        )
