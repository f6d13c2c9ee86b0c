"""Tabular exports a telehealth back office leaves in a bucket: patient and claim CSVs, a legacy dump.

Every person row carries the person's strong identifier (SSN or MBI) next to name and birth date, so a
scanner can link the same person across files the way the ground truth does.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence

from phiscope.synth import identifiers as ids
from phiscope.synth.people import Person, Population
from phiscope.synth.truth import Recorder

PATIENT_HEADER = [
    "mrn",
    "first_name",
    "last_name",
    "dob",
    "sex",
    "ssn",
    "mbi",
    "street",
    "city",
    "state",
    "zip",
    "phone",
    "email",
    "employer",
    "icd10_code",
    "diagnosis",
    "provider_npi",
    "last_visit",
]

CLAIM_HEADER = [
    "claim_id",
    "service_date",
    "member_name",
    "member_dob",
    "mbi",
    "icd10",
    "procedure_code",
    "rendering_npi",
    "prescriber_dea",
    "billed_amount",
    "paid_amount",
]

# Real CPT/HCPCS codes for telehealth visits (codes only; no person data).
PROCEDURES = ("99213", "99214", "99442", "99443", "G2012", "99441")


def csv_text(header: Sequence[str] | None, rows: list[list[str]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    if header:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _visit(rng: random.Random) -> str:
    return f"2024-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}"


Values = list[tuple[str, str | None]]


def patient_row(p: Person, rng: random.Random) -> tuple[list[str], Values]:
    """One patients-export row and the identifiers it holds."""
    dx = p.conditions[0]
    dob = p.dob.isoformat()
    row = [
        p.mrn,
        p.first,
        p.last,
        dob,
        "F" if p.female else "M",
        p.ssn or "",
        p.mbi or "",
        p.street,
        p.city,
        p.state,
        p.postcode,
        p.phone,
        p.email,
        p.employer or "",
        dx.code,
        dx.description,
        p.provider.npi,
        _visit(rng),
    ]
    values: Values = [
        ("MEDICAL_RECORD_NUMBER", p.mrn),
        ("PERSON_NAME", p.name),
        ("DATE_OF_BIRTH", dob),
        ("US_SSN", p.ssn),
        ("US_MBI", p.mbi),
        ("POSTAL_ADDRESS", p.street),
        ("ZIP_CODE", p.postcode),
        ("PHONE", p.phone),
        ("EMAIL", p.email),
        ("ICD10_CM", dx.code),
        ("US_NPI", p.provider.npi),
    ]
    return row, values


def write_patients_csv(
    rec: Recorder, bucket: str, key: str, people: list[Person], rng: random.Random
) -> None:
    note = rec.note(bucket, key, "csv")
    rows = []
    for p in people:
        row, values = patient_row(p, rng)
        rows.append(row)
        rec.person(note, p.pid, values, employer=p.employer, health=True)
    rec.path(bucket, key).write_text(csv_text(PATIENT_HEADER, rows), "utf-8")


def write_claims_csv(rec: Recorder, bucket: str, key: str, people: list[Person], rng: random.Random) -> None:
    """Medicare claims: one to three per member, identified by MBI, name and birth date."""
    note = rec.note(bucket, key, "csv")
    rows = []
    n = 0
    for p in people:
        assert p.mbi is not None
        for _ in range(rng.randint(1, 3)):
            n += 1
            dx = rng.choice(p.conditions)
            controlled = rng.random() < 0.25
            billed = rng.randint(60, 420)
            mbi = ids.format_mbi(p.mbi) if n % 3 == 0 else p.mbi
            rows.append(
                [
                    f"CLM{2024_000_000 + n}",
                    _visit(rng),
                    p.name,
                    p.dob.strftime("%m/%d/%Y"),
                    mbi,
                    dx.code,
                    rng.choice(PROCEDURES),
                    p.provider.npi,
                    p.provider.dea if controlled else "",
                    f"{billed}.00",
                    f"{billed * rng.randint(50, 90) // 100}.00",
                ]
            )
            rec.person(
                note,
                p.pid,
                [
                    ("PERSON_NAME", p.name),
                    ("DATE_OF_BIRTH", p.dob.strftime("%m/%d/%Y")),
                    ("US_MBI", mbi),
                    ("ICD10_CM", dx.code),
                    ("US_NPI", p.provider.npi),
                    ("US_DEA", p.provider.dea if controlled else None),
                ],
                health=True,
            )
            rec.also("US_MBI", p.mbi)
    rec.path(bucket, key).write_text(csv_text(CLAIM_HEADER, rows), "utf-8")


def dump_row(p: Person) -> tuple[list[str], Values]:
    """LAST;FIRST;MM/DD/YYYY;SSN;phone;employer;ICD-10 and the identifiers it holds."""
    dx = p.conditions[0]
    dob = p.dob.strftime("%m/%d/%Y")
    row = [p.last.upper(), p.first.upper(), dob, p.ssn or "", p.phone, p.employer or "", dx.code]
    values: Values = [
        ("PERSON_NAME", f"{p.last.upper()};{p.first.upper()}"),
        ("DATE_OF_BIRTH", dob),
        ("US_SSN", p.ssn),
        ("PHONE", p.phone),
        ("ICD10_CM", dx.code),
    ]
    return row, values


def write_semicolon_dump(rec: Recorder, bucket: str, key: str, people: list[Person]) -> None:
    """A headerless legacy dump: no column names, names upper-case and split."""
    note = rec.note(bucket, key, "csv-headerless-semicolon")
    rows = []
    for p in people:
        row, values = dump_row(p)
        rows.append(row)
        rec.person(note, p.pid, values, employer=p.employer, health=True)
        rec.also("PERSON_NAME", p.name)
    rec.path(bucket, key).write_text(csv_text(None, rows, delimiter=";"), "utf-8")


def write_icd10_reference(rec: Recorder, bucket: str, key: str) -> None:
    """A code list: health vocabulary, nobody's data (contains_phi must stay false)."""
    note = rec.note(bucket, key, "csv-reference")
    note.health = True
    rows = [[c.code, c.description] for c in ids.ICD10_ALL]
    note.decoys["ICD10_CODE_LIST"] = len(rows)
    rec.path(bucket, key).write_text(csv_text(["code", "description"], rows), "utf-8")


EXPORT_README = """MedCall telehealth nightly export
=================================

patients_*.csv   one row per active patient: mrn, first_name, last_name, dob, sex, ssn, mbi,
                 street, city, state, zip, phone, email, employer, icd10_code, diagnosis,
                 provider_npi, last_visit
claims_*.csv     Medicare claims (member name, member dob, mbi, icd10, procedure, NPI, DEA)
legacy/*.txt     semicolon dump from the 2019 system (no header)
fhir/*.ndjson    FHIR R4 bulk export (Patient)
hl7/*.hl7        ADT^A04 registration feed

Exports are regenerated at 02:00 UTC. Contact the data team before changing the column layout.
"""


def write_export_readme(rec: Recorder, bucket: str, key: str) -> None:
    """Column names such as "ssn" and "dob" with no values: context words alone are not PHI."""
    rec.note(bucket, key, "text-readme")
    rec.path(bucket, key).write_text(EXPORT_README, "utf-8")


def people_slices(pop: Population, rng: random.Random) -> dict[str, list[Person]]:
    """Which people go into which text export; slices overlap so some people appear twice."""
    us = pop.us
    n = len(us)

    def cut(a: float, b: float) -> list[Person]:
        return us[round(a * n) : round(b * n)]

    patients = cut(0.0, 0.55)
    return {
        "patients": patients,
        "claims": [p for p in patients if p.mbi],
        "dump": cut(0.45, 0.80),
        "hl7": cut(0.78, 0.92),
        "fhir": cut(0.90, 1.0) + pop.fr,
    }
