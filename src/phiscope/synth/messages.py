"""Health-data interchange formats: a FHIR R4 bulk export (NDJSON) and an HL7 v2 ADT feed."""

from __future__ import annotations

import json
import random

from phiscope.synth.people import Person
from phiscope.synth.truth import Recorder

SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
MBI_SYSTEM = "http://hl7.org/fhir/sid/us-mbi"
NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"  # INS-NIR (France)


def _patient_resource(p: Person) -> dict[str, object]:
    identifiers = [{"system": "urn:medcall:mrn", "value": p.mrn}]
    if p.ssn:
        identifiers.append({"system": SSN_SYSTEM, "value": p.ssn})
    if p.mbi:
        identifiers.append({"system": MBI_SYSTEM, "value": p.mbi})
    if p.nir:
        identifiers.append({"system": NIR_SYSTEM, "value": p.nir})
    address: dict[str, object] = {"line": [p.street], "city": p.city, "postalCode": p.postcode}
    if p.state:
        address["state"] = p.state
    address["country"] = p.country
    return {
        "resourceType": "Patient",
        "id": p.mrn.lower(),
        "identifier": identifiers,
        "name": [{"use": "official", "family": p.last, "given": [p.first]}],
        "gender": "female" if p.female else "male",
        "birthDate": p.dob.isoformat(),
        "telecom": [{"system": "phone", "value": p.phone}, {"system": "email", "value": p.email}],
        "address": [address],
    }


Values = list[tuple[str, str | None]]


def fhir_line(p: Person) -> tuple[str, Values]:
    """One Patient resource as an NDJSON line and the identifiers it holds."""
    line = json.dumps(_patient_resource(p), ensure_ascii=False, separators=(",", ":"))
    values: Values = [
        ("MEDICAL_RECORD_NUMBER", p.mrn),
        ("US_SSN", p.ssn),
        ("US_MBI", p.mbi),
        ("FR_NIR", p.nir),
        ("PERSON_NAME", p.name),
        ("DATE_OF_BIRTH", p.dob.isoformat()),
        ("PHONE", p.phone),
        ("EMAIL", p.email),
        ("POSTAL_ADDRESS", p.street),
        ("ZIP_CODE", p.postcode),
    ]
    return line, values


def write_fhir_patients(rec: Recorder, bucket: str, key: str, people: list[Person]) -> None:
    note = rec.note(bucket, key, "ndjson-fhir")
    lines = []
    for p in people:
        line, values = fhir_line(p)
        lines.append(line)
        rec.person(note, p.pid, values)
    rec.path(bucket, key).write_text("\n".join(lines) + "\n", "utf-8")


def _hl7_escape(text: str) -> str:
    return (
        text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\").replace("&", "\\T\\")
    ).replace("~", "\\R\\")


def hl7_message(p: Person, n: int, rng: random.Random) -> tuple[str, Values]:
    """One ADT^A04 (register a patient) message; segments end with carriage returns, as HL7 v2 wants."""
    ts = f"202403{rng.randint(1, 28):02d}{rng.randint(8, 17):02d}{rng.randint(0, 59):02d}00"
    dx = p.conditions[0]
    area, rest = p.phone[1:4], p.phone[6:].replace("-", "")
    segs = [
        f"MSH|^~\\&|MEDCALL|TELEHEALTH|EHR|MERCYHOSP|{ts}||ADT^A04^ADT_A01|MSG{n:06d}|P|2.5.1",
        f"EVN|A04|{ts}",
        (
            f"PID|1||{p.mrn}^^^MEDCALL^MR||{_hl7_escape(p.last.upper())}^{_hl7_escape(p.first.upper())}^^^^^L||"
            f"{p.dob:%Y%m%d}|{'F' if p.female else 'M'}|||"
            f"{_hl7_escape(p.street)}^^{_hl7_escape(p.city)}^{p.state}^{p.postcode}^USA||"
            f"^PRN^PH^^1^{area}^{rest}|||||ACC{n:07d}|{p.ssn or ''}"
        ),
        f"PV1|1|O|TELE^^^MEDCALL||||{p.provider.npi}^^^^^^^^NPI",
        f"DG1|1||{dx.code}^{_hl7_escape(dx.description)}^I10||{ts[:8]}|A",
    ]
    values: Values = [
        ("MEDICAL_RECORD_NUMBER", p.mrn),
        ("PERSON_NAME", f"{p.last.upper()}^{p.first.upper()}"),
        ("DATE_OF_BIRTH", f"{p.dob:%Y%m%d}"),
        ("POSTAL_ADDRESS", p.street),
        ("ZIP_CODE", p.postcode),
        ("PHONE", f"{area}^{rest}"),
        ("US_SSN", p.ssn),
        ("US_NPI", p.provider.npi),
        ("ICD10_CM", dx.code),
    ]
    return "\r".join(segs) + "\r", values


def write_hl7_feed(rec: Recorder, bucket: str, key: str, people: list[Person], rng: random.Random) -> None:
    note = rec.note(bucket, key, "hl7v2")
    msgs = []
    for n, p in enumerate(people, 1):
        msg, values = hl7_message(p, n, rng)
        msgs.append(msg)
        rec.person(note, p.pid, values, health=True)
        rec.also("PERSON_NAME", p.name)
        rec.also("PHONE", p.phone)
    # Messages back to back, one per line, the way feeds are archived to object storage.
    rec.path(bucket, key).write_bytes("\n".join(msgs).encode("utf-8"))
