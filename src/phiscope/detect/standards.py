"""What the health standards themselves say a field holds: FHIR element paths, DICOM tags, HL7 v2 fields.

Extractors label each value with where the standard put it ("Patient.identifier.value [MR, urn:oid:…]",
"ReferringPhysicianName [PN]", "PID-3 patient identifier list [MR]"). This module maps such a label to
the one kind that value can be, so detection runs that kind's check alone instead of guessing from
the value's shape: a `Medication.name` is never a person, a `Patient.identifier` is an identifier
whatever it looks like, a `Questionnaire.item.linkId` "1.1.1.1" is never an IP address.

`meaning(label)` returns None when the label is not one of a standard's (the usual header/context
rules then apply), else one of the kinds below or a value-check kind of engine.VALUE_CHECKS.
"""

from __future__ import annotations

import re
from functools import lru_cache

NOTHING = "NOTHING"  # the standard says: not personal data (codes, ids of records, equipment, products)
TEXT = "TEXT"  # free text: every pass runs
SHAPES = "SHAPES"  # structured identifiers by shape only (no names, no health terms)
PATIENT_ID = "PATIENT_ID"  # an identifier of the record's person, whatever its shape
OTHER_ID = "OTHER_ID"  # an identifier of another person in the record (next of kin, guarantor, insured)
NAME_SUBJECT = "NAME_SUBJECT"  # the record's person's name, whatever its wording
NAME_OTHER = "NAME_OTHER"  # another named person: clinician, relative, contact
ORGANISATION = "ORGANISATION"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
DEIDENTIFIED = "DEIDENTIFIED"  # the object says its identities were removed (value YES)

PLACEHOLDER_NAMES = frozenset(
    {
        "",
        "anonymous",
        "anonymized",
        "anonymised",
        "unknown",
        "unknown unknown",
        "nd unknown unknown",
        "unknown unknown nd",
        "last name first name",
        "lastname firstname",
        "first name last name",
        "surname name",
        "name surname",
        "patient",
        "test",
        "none",
        "null",
        "n/a",
    }
)
_ONLY_X = re.compile(r"[\sXx*#?-]+")


# A "name" made only of these words is a form's template text ("Last Name^First Name", "Enter text").
_TEMPLATE_WORDS = frozenset(
    {
        "first",
        "last",
        "given",
        "family",
        "middle",
        "sur",
        "surname",
        "name",
        "names",
        "enter",
        "text",
        "verifying",
        "observer",
        "physician",
        "doctor",
        "patient",
        "test",
        "unknown",
        "nd",
        "here",
    }
)


def is_placeholder_name(value: str) -> bool:
    """`XXXXXXXXXX`, `UNKNOWN^UNKNOWN`, `^^^^`, `Anonymized`, `Last Name^First Name`: a field filled so
    it is not empty."""
    v = " ".join(value.replace("^", " ").split()).lower()
    if v in PLACEHOLDER_NAMES or _ONLY_X.fullmatch(v) is not None or not any(c.isalpha() for c in v):
        return True
    return all(w.strip(".,") in _TEMPLATE_WORDS for w in v.split())


_PLACEHOLDER_IDS = frozenset({"unknown", "none", "null", "n/a", "na", "-", "test", "anonymous", "anonymized"})


def is_placeholder_id(value: str) -> bool:
    """`UNKNOWN`, `XXXXXX`, `000000`: an identifier field filled so it is not empty."""
    v = value.strip().lower()
    return v in _PLACEHOLDER_IDS or _ONLY_X.fullmatch(v) is not None or set(v) <= {"0", "-", " "}


# ---- FHIR ---------------------------------------------------------------------------------------

# Resources that are a person: their name, telecom, address and birth date are that person's.
FHIR_SUBJECTS = frozenset({"Patient", "Person"})
FHIR_OTHER_PEOPLE = frozenset({"Practitioner", "RelatedPerson"})
FHIR_PEOPLE = FHIR_SUBJECTS | FHIR_OTHER_PEOPLE
# Resources that define things, or are organisations/places/products: nothing personal in them.
FHIR_NOT_PERSONAL = frozenset(
    {
        "Organization",
        "Location",
        "HealthcareService",
        "Endpoint",
        "Medication",
        "Substance",
        "Device",
        "DeviceDefinition",
        "DeviceMetric",
        "Questionnaire",
        "StructureDefinition",
        "StructureMap",
        "ValueSet",
        "CodeSystem",
        "ConceptMap",
        "NamingSystem",
        "SearchParameter",
        "OperationDefinition",
        "CapabilityStatement",
        "ImplementationGuide",
        "CompartmentDefinition",
        "ActivityDefinition",
        "PlanDefinition",
        "Library",
        "Measure",
        "TestScript",
        "DataElement",
        "ExpansionProfile",
        "ServiceDefinition",
        "MedicationKnowledge",
        "InsurancePlan",
        "ObservationDefinition",
        "SpecimenDefinition",
        "MessageDefinition",
        "GraphDefinition",
        "EventDefinition",
        "ChargeItemDefinition",
        "Subscription",
        "OperationOutcome",
    }
)
# Identifier.system URIs and type codes that say what the number is.
_FHIR_ID_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("us-ssn", "US_SSN"),
    ("2.16.840.1.113883.4.1", "US_SSN"),
    ("us-npi", "US_NPI"),
    ("us-mbi", "US_MBI"),
    ("us-medicare", "US_MBI"),
    ("2.16.840.1.113883.4.6", "US_NPI"),
    ("nhs-number", "UK_NHS"),
    ("2.16.840.1.113883.2.1.4.1", "UK_NHS"),
    ("1.2.250.1.213.1.4.8", "FR_NIR"),  # INS-NIR: the NIR itself
    ("1.2.250.1.213.1.4.10", "FR_INS"),  # INS-NIA
    ("1.2.250.1.213.1.4.9", "FR_INS"),  # INS-NIR test
    ("1.2.250.1.213.1.4.11", "FR_INS"),
    ("passport", "PASSPORT"),
    ("driver", "DRIVER_LICENSE"),
)
_FHIR_ID_TYPES = {"SS": "US_SSN", "SB": "US_SSN", "DL": "DRIVER_LICENSE", "PPN": "PASSPORT", "NPI": "US_NPI"}
_FHIR_LABEL = re.compile(
    r"(?P<rt>[A-Z][A-Za-z]+)(?P<path>(?:\.[a-z][A-Za-z0-9]*)*)"
    r"(?: \(full (?P<full>name|address)\))?(?: \[(?P<qual>[^\]]*)\])?(?: -> (?P<target>[A-Z][A-Za-z]+))?"
)
_FHIR_FREE_TEXT = frozenset(
    {
        "div",
        "note",
        "comment",
        "comments",
        "description",
        "valueString",
        "valueMarkdown",
        "summary",
        "conclusion",
    }
)
# Elements that identify records, codes and versions, never a person (a linkId "1.1.1.1" is no IP).
_FHIR_NOTHING = frozenset(
    {
        "id",
        "linkId",
        "system",
        "code",
        "url",
        "use",
        "reference",
        "version",
        "status",
        "unit",
        "profile",
        "fullUrl",
        "versionId",
        "lastUpdated",
        "gender",
        "language",
        "definition",
        "type",
        "mode",
        "category",
        "intent",
        "priority",
        "contentType",
        "uri",
        "versionNumber",
    }
)
# Reference elements whose display names the record's subject when the reference gives no type.
_FHIR_SUBJECT_REFS = frozenset({"subject", "patient", "beneficiary"})


def _fhir_identifier(rt: str, qual: str | None, path: str) -> str:
    q = (qual or "").lower()
    codes = {c.strip().upper() for c in (qual or "").split(",")}
    for code, kind in _FHIR_ID_TYPES.items():
        if code in codes:
            return kind
    for needle, kind in _FHIR_ID_SYSTEMS:
        if needle in q:
            return kind
    if rt in FHIR_SUBJECTS or rt == "RelatedPerson":
        return PATIENT_ID
    if rt == "Coverage" and path in ("identifier", "subscriberId"):
        return PATIENT_ID  # the member / subscriber id
    return NOTHING


def _fhir_telecom(qual: str | None) -> str:
    q = (qual or "").lower()
    if "email" in q:
        return "EMAIL"
    if any(k in q for k in ("phone", "fax", "sms", "pager")):
        return "PHONE"
    return NOTHING


def _fhir(rt: str, path: str, full: str | None, qual: str | None, target: str | None) -> str:
    parts = path.split(".")[1:]
    leaf = parts[-1] if parts else ""
    if target is not None or leaf == "display":
        who = target or ""
        if who == "Patient" or (not who and len(parts) >= 2 and parts[-2] in _FHIR_SUBJECT_REFS):
            return NAME_SUBJECT
        if who in ("Practitioner", "RelatedPerson", "Person", "PractitionerRole"):
            return NAME_OTHER
        if who == "Organization":
            return ORGANISATION
        return NOTHING
    if rt in FHIR_NOT_PERSONAL:
        if rt == "Organization" and parts in (["name"], ["alias"]):
            return ORGANISATION
        return NOTHING
    in_contact = "contact" in parts
    person = rt in FHIR_PEOPLE or (in_contact and rt == "Patient")
    if full == "name" or (parts and parts[0] == "name"):
        if not person:
            return NOTHING
        if full != "name":
            return NOTHING  # family/given/prefix: the full name (emitted joined) is what counts
        return NAME_SUBJECT if rt in FHIR_SUBJECTS and not in_contact else NAME_OTHER
    if full == "address" or "address" in parts:
        if not person:
            return NOTHING
        return "POSTAL_ADDRESS" if full == "address" else ("ZIP_CODE" if leaf == "postalCode" else NOTHING)
    if "telecom" in parts:
        return _fhir_telecom(qual) if person and leaf == "value" else NOTHING
    if leaf == "birthDate":
        return DATE_OF_BIRTH if person else NOTHING
    if "identifier" in parts or leaf == "subscriberId":
        return _fhir_identifier(rt, qual, parts[0]) if leaf in ("value", "subscriberId") else NOTHING
    if leaf in _FHIR_FREE_TEXT or (parts and parts[-1] == "text" and len(parts) == 1):
        return TEXT
    if leaf in _FHIR_NOTHING or "coding" in parts or "meta" in parts:
        return NOTHING
    return SHAPES  # an element the standard leaves open (or a custom one): identifiers by shape only


# ---- DICOM --------------------------------------------------------------------------------------

_DICOM_LABEL = re.compile(r"(?P<kw>[A-Za-z][A-Za-z0-9]*) \[(?P<vr>[A-Z]{2})\]")
_DICOM_KEYWORDS: dict[str, str] = {
    "PatientName": NAME_SUBJECT,
    "OtherPatientNames": NAME_SUBJECT,
    "PatientBirthName": NAME_SUBJECT,
    "PatientMotherBirthName": NAME_OTHER,
    "PatientID": PATIENT_ID,
    "OtherPatientIDs": PATIENT_ID,
    "PatientBirthDate": DATE_OF_BIRTH,
    "PatientAddress": "POSTAL_ADDRESS",
    "PatientTelephoneNumbers": "PHONE",
    "MedicalRecordLocator": PATIENT_ID,
    "IssuerOfPatientID": ORGANISATION,
    "InstitutionName": ORGANISATION,
    "PatientComments": TEXT,
    "AdditionalPatientHistory": TEXT,
    "ImageComments": TEXT,
    "TextValue": TEXT,
    "StudyComments": TEXT,
    "PatientIdentityRemoved": "DEIDENTIFIED",
    "DeidentificationMethod": NOTHING,
    "AccessionNumber": NOTHING,
    "StudyID": NOTHING,
    "Manufacturer": NOTHING,
    "ManufacturerModelName": NOTHING,
    "InstitutionAddress": NOTHING,
    "InstitutionalDepartmentName": NOTHING,
    "StationName": NOTHING,
    "DeviceSerialNumber": NOTHING,
    "SoftwareVersions": NOTHING,
    "ProtocolName": NOTHING,
    "AcquisitionTerminationCondition": NOTHING,
    "BodyPartExamined": NOTHING,
    "SeriesDescription": NOTHING,
    "StudyDescription": NOTHING,
    "PerformedProcedureStepDescription": NOTHING,
    "CodeMeaning": NOTHING,
    "CodeValue": NOTHING,
    "DetectorID": NOTHING,
    "ImplementationVersionName": NOTHING,
    "SourceApplicationEntityTitle": NOTHING,
}
_DICOM_NOTHING_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "TM", "UI", "UR", "SS", "US", "FL", "FD"}
)


def _dicom(keyword: str, vr: str) -> str:
    kind = _DICOM_KEYWORDS.get(keyword)
    if kind is not None:
        return kind
    if vr == "PN":
        return NAME_OTHER  # every other Person Name tag names staff or a relative
    if vr in _DICOM_NOTHING_VRS:
        return NOTHING
    if vr in ("LT", "ST", "UT"):
        return TEXT
    return SHAPES  # LO/SH/UC: short strings, identifiers by shape only


# ---- HL7 v2 -------------------------------------------------------------------------------------

_HL7_LABEL = re.compile(r"(?P<seg>[A-Z][A-Z0-9]{2})-(?P<field>\d+)(?: [^\[]*)?(?: \[(?P<qual>[^\]]*)\])?")
_HL7_ID_TYPES = {"SS": "US_SSN", "DL": "DRIVER_LICENSE", "PPN": "PASSPORT", "NPI": "US_NPI", "MC": "US_MBI"}
_HL7_FIELDS: dict[str, str] = {
    "PID-2": PATIENT_ID,
    "PID-3": PATIENT_ID,
    "PID-4": PATIENT_ID,
    "PID-18": SHAPES,  # the account number: personal, but not who the patient is
    "PID-21": OTHER_ID,
    "PID-5": NAME_SUBJECT,
    "PID-9": NAME_SUBJECT,
    "PID-6": NAME_OTHER,
    "PID-7": DATE_OF_BIRTH,
    "PID-13": "PHONE",
    "PID-14": "PHONE",
    "PID-19": "US_SSN",
    "PID-20": "DRIVER_LICENSE",
    "NK1-2": NAME_OTHER,
    "NK1-5": "PHONE",
    "NK1-6": "PHONE",
    "NK1-16": DATE_OF_BIRTH,
    "NK1-33": OTHER_ID,
    "NK1-37": "US_SSN",
    "GT1-2": OTHER_ID,
    "GT1-3": NAME_OTHER,
    "GT1-6": "PHONE",
    "GT1-7": "PHONE",
    "GT1-8": DATE_OF_BIRTH,
    "GT1-12": "US_SSN",
    "GT1-16": ORGANISATION,
    "IN1-3": NOTHING,
    "IN1-4": ORGANISATION,
    "IN1-16": NAME_OTHER,
    "IN1-18": DATE_OF_BIRTH,
    "IN1-36": OTHER_ID,
    "IN1-49": OTHER_ID,
    "PV1-7": NAME_OTHER,
    "PV1-8": NAME_OTHER,
    "PV1-9": NAME_OTHER,
    "PV1-17": NAME_OTHER,
    "PD1-4": NAME_OTHER,
    "ORC-12": NAME_OTHER,
    "OBR-16": NAME_OTHER,
    "OBR-28": NAME_OTHER,
    "OBR-32": NAME_OTHER,
    "MSH-3": NOTHING,
    "MSH-4": ORGANISATION,
    "MSH-5": NOTHING,
    "MSH-6": ORGANISATION,
    "MSH-7": NOTHING,
    "MSH-9": NOTHING,
    "MSH-10": NOTHING,
    "MSH-11": NOTHING,
    "MSH-12": NOTHING,
    "PV1-3": NOTHING,
    "PV1-19": NOTHING,
    "OBR-2": NOTHING,
    "OBR-3": NOTHING,
    "ORC-2": NOTHING,
    "ORC-3": NOTHING,
    "DG1-4": TEXT,
    "OBX-5": TEXT,
    "NTE-3": TEXT,
}


def _hl7(seg: str, field: str, qual: str | None) -> str | None:
    key = f"{seg}-{field}"
    kind = _HL7_FIELDS.get(key)
    if kind is None:
        return None  # a field the standard leaves open here (Z-segments, OBX values): usual rules
    if qual and qual.startswith("ID"):  # an XCN's id: a clinician's, by its type code
        return "US_NPI" if "NPI" in qual.upper() else SHAPES
    if kind == PATIENT_ID and qual:
        return _HL7_ID_TYPES.get(qual.strip().upper(), PATIENT_ID)
    if kind == OTHER_ID:
        return OTHER_ID  # typed or not, it must not join the patient's record
    return kind


_HL7_OTHER_SEGMENTS = frozenset(
    {"NK1", "GT1", "IN1", "IN2", "IN3", "PV1", "PD1", "ORC", "OBR", "STF", "PRD", "ROL"}
)


@lru_cache(maxsize=8192)
def about_other(label: str | None) -> bool:
    """True when the value belongs to someone other than the record's subject (next of kin,
    guarantor, insured, clinician, a patient's contact): found, but kept out of the patient's record."""
    if not label:
        return False
    m = _HL7_LABEL.fullmatch(label)
    if m is not None:
        return m["seg"] in _HL7_OTHER_SEGMENTS or f"{m['seg']}-{m['field']}" in ("PID-6", "PID-21")
    m = _FHIR_LABEL.fullmatch(label)
    if m is not None and m["path"]:
        return m["rt"] in FHIR_OTHER_PEOPLE or ".contact." in f"{m['path']}."
    return False


@lru_cache(maxsize=8192)
def meaning(label: str | None) -> str | None:
    """The kind a standard gives the value under this label, or None if the label is no standard's."""
    if not label:
        return None
    m = _HL7_LABEL.fullmatch(label)
    if m is not None:
        return _hl7(m["seg"], m["field"], m["qual"])
    m = _DICOM_LABEL.fullmatch(label)
    if m is not None:
        return _dicom(m["kw"], m["vr"])
    m = _FHIR_LABEL.fullmatch(label)
    if m is not None and m["path"]:
        return _fhir(m["rt"], m["path"], m["full"], m["qual"], m["target"])
    return None
