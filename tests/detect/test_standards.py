"""Health standards read by their meaning (issue 15): FHIR paths, DICOM tags, HL7 fields, Synthea-style
exports. Small excerpts written here; the conformance corpus (bench/conformance.py) measures the rest."""

from __future__ import annotations

import io
import json

from phiscope.detect import standards
from phiscope.detect.engine import DetectionEngine
from phiscope.extract.base import ExtractContext, Limits
from phiscope.extract.dispatch import extract_object
from phiscope.impact.people import count_people
from phiscope.model import PERSON_CATEGORIES, ContentFindings

SECRET = b"standards-test-secret-0123456789"


def scan(data: bytes, name: str) -> ContentFindings:
    ctx = ExtractContext(name=name, limits=Limits(ocr=False, audio=False))
    return DetectionEngine(SECRET).scan(extract_object(io.BytesIO(data), ctx))


def personal(f: ContentFindings) -> set[str]:
    return {t for t, s in f.detections.items() if s.category in PERSON_CATEGORIES}


def fhir(doc: dict[str, object]) -> ContentFindings:
    return scan(json.dumps(doc).encode(), "r.json")


def test_fhir_product_place_and_definition_names_are_not_people() -> None:
    for doc in (
        {
            "resourceType": "Medication",
            "id": "m1",
            "code": {"text": "Amoxicillin 500 mg"},
            "manufacturer": {"reference": "#org", "display": "Acme Pharma"},
            "contained": [
                {"resourceType": "Organization", "id": "org", "name": "Pfizer Laboratories Div Pfizer Inc"}
            ],
        },
        {
            "resourceType": "Location",
            "name": "South Wing, second floor",
            "alias": ["Burgers MC, SW"],
            "telecom": [{"system": "phone", "value": "2328"}],
        },
        {"resourceType": "Questionnaire", "item": [{"linkId": "1.1.1.1", "text": "Do you have allergies?"}]},
        {
            "resourceType": "Organization",
            "name": "Burgers University Medical Center",
            "telecom": [{"system": "email", "value": "cardio@burgersumc.nl"}],
            "contact": [
                {
                    "name": {"family": "Brand", "given": ["Ronald"]},
                    "telecom": [{"system": "phone", "value": "+31715269702"}],
                }
            ],
        },
    ):
        f = fhir(doc)
        assert personal(f) == set(), doc["resourceType"]
        assert "IP_ADDRESS" not in f.detections
    assert (
        "ORGANISATION"
        in fhir({"resourceType": "Organization", "name": "Burgers University Medical Center"}).detections
    )


def test_fhir_patient_identifier_typed_by_type_code_and_system() -> None:
    f = fhir(
        {
            "resourceType": "Patient",
            "identifier": [
                {
                    "type": {"coding": [{"code": "MR"}]},
                    "system": "urn:oid:0.1.2.3.4.5.6.7",
                    "value": "654321",
                },
                {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "444-22-2222"},
            ],
            "name": [{"family": "Everywoman", "given": ["Eve"]}],
            "birthDate": "1973-05-31",
        }
    )
    assert {"MEDICAL_RECORD_NUMBER", "US_SSN", "PERSON_NAME", "DATE_OF_BIRTH"} <= set(f.detections)
    assert f.people and any(k.startswith("US_SSN:") for k in f.people[0])


def test_fhir_reference_display_is_the_name_of_what_it_points_to() -> None:
    f = fhir(
        {
            "resourceType": "Observation",
            "subject": {"reference": "Patient/f001", "display": "P. van de Heuvel"},
            "performer": [{"reference": "Organization/1", "display": "Acme Laboratory, Inc"}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "15074-8", "display": "Glucose"}]},
        }
    )
    assert personal(f) == {"PERSON_NAME"}
    assert "ORGANISATION" in f.detections
    # a bare reference identifies no one
    assert personal(fhir({"resourceType": "Condition", "subject": {"reference": "Patient/example"}})) == set()


def test_fhir_coverage_member_id_reported() -> None:
    f = fhir(
        {
            "resourceType": "Coverage",
            "identifier": [{"system": "http://benefitsinc.com/certificate", "value": "12345"}],
            "payor": [{"reference": "Organization/2"}],
        }
    )
    assert "MEDICAL_RECORD_NUMBER" in f.detections


HL7 = (
    "MSH|^~\\&|GHH LAB|ELAB-3|GHH OE|BLDG4|200202150930||ADT^A01|CNTRL-3456|P|2.5\r"
    "PID|1||0000112234^^^100^MR~444-33-2222^^^SSA^SS||XXXXXXXXXX^^^^^^S||19620320|F|||"
    "153 Fernwood Dr^^Statesville^OH^35292|||||||||67-A4335^OH^20030520\r"
    "PV1|1|I|||||0123^HIPPOCRATES^HOWARD^H^^^MD\r"
)


def test_hl7_pid3_typed_by_its_cx_type_code_and_placeholder_name_ignored() -> None:
    f = scan(HL7.encode(), "m.hl7")
    assert f.detections["MEDICAL_RECORD_NUMBER"].count == 1  # the MR, whatever its shape
    assert f.detections["US_SSN"].count == 1  # the SS repetition
    assert "DRIVER_LICENSE" in f.detections  # PID-20
    names = f.detections["PERSON_NAME"]
    assert names.count == 1  # the attending doctor (PV1-7); XXXXXXXXXX is no one
    assert "ORGANISATION" in f.detections  # MSH-4/6 facilities


def dicom_bytes() -> bytes:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRBigEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.PatientName = "Lestrade^G"
    ds.PatientID = "ID1"  # short: an identifier because the tag says so
    ds.ManufacturerModelName = "Philips Intera Achieva"
    ds.StationName = "Robert Smith"
    ds.InstitutionName = "Lakeside General"
    ds.DeviceSerialNumber = "10.0.0.12"
    ds.OperatorsName = "----"
    buf = io.BytesIO()
    ds.preamble = b"\x00" * 128
    ds.save_as(buf, enforce_file_format=True, little_endian=False, implicit_vr=False)
    return buf.getvalue()


def test_dicom_tags_decide_big_endian() -> None:
    f = scan(dicom_bytes(), "IMG1")
    assert f.detections["PERSON_NAME"].count == 1  # the patient only: no equipment, no station
    assert f.detections["MEDICAL_RECORD_NUMBER"].count == 1
    assert "IP_ADDRESS" not in f.detections
    assert "ORGANISATION" in f.detections


SYNTHEA = (
    "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,LAST,GENDER,ADDRESS,CITY\n"
    "a1,1941-05-13,,999-99-1985,S99918685,X30800305X,Mr.,Damien170,Schinner682,M,941 Brown Extension,Grays\n"
    "a2,1996-09-28,,999-37-6716,S99971083,X776683X,Mr.,Avery919,McGlynn426,M,744 Hodkiewicz Viaduct,Grange\n"
    "a3,2005-02-11,,999-83-3836,,,,Alexa171,Kunze215,F,881 Schultz Avenue,Bentley\n"
    "a4,2005-02-11,,999-83-3837,,,,Alexa171,Kunze215,F,881 Schultz Avenue,Bentley\n"
)


def test_synthea_patients_one_person_per_row_test_ssn_never_itin() -> None:
    f = scan(SYNTHEA.encode(), "patients.csv")
    assert f.detections["PERSON_NAME"].count == 4  # digit suffixes dropped before the name check
    assert f.detections["US_SSN_TEST"].count == 4 and "US_ITIN" not in f.detections
    assert f.detections["DRIVER_LICENSE"].count == 2 and f.detections["PASSPORT"].count == 2
    # two rows with the same name and birth date but different SSNs: still keyed apart by SSN? the
    # 9xx number is test data (no key), so the twin rows merge; three people by name + birth date
    assert count_people(("t", frozenset(r)) for r in f.people).total == 3


def test_organisation_and_provider_tables_hold_no_patient() -> None:
    orgs = (
        "Id,NAME,ADDRESS,CITY,STATE,ZIP,PHONE,REVENUE,UTILIZATION\n"
        "x,Abbey Lawns,1 High St,Leeds,UK,LS1 4AP,0113 496 0000,0.0,54\n"
    )
    f = scan(orgs.encode(), "organizations.csv")
    assert personal(f) == set() and "ORGANISATION" in f.detections
    prov = (
        "Id,ORGANIZATION,NAME,GENDER,SPECIALITY,ADDRESS,CITY\n"
        "p,x,Rosette746 Bruen238,F,GENERAL PRACTICE,1 High St,Leeds\n"
    )
    f = scan(prov.encode(), "providers.csv")
    assert personal(f) == {"PERSON_NAME"} and not f.people


def test_placeholders() -> None:
    for v in (
        "XXXXXXXXXX",
        "UNKNOWN^UNKNOWN",
        "^^^^",
        "Anonymized",
        "Last Name^First Name",
        "ND^UNKNOWN^UNKNOWN",
    ):
        assert standards.is_placeholder_name(v), v
    assert not standards.is_placeholder_name("Eve Everywoman")
    assert standards.meaning("Medication.code.text") == standards.NOTHING
    assert standards.meaning("PID-3 patient identifier list [SS]") == "US_SSN"
    assert standards.meaning("ReferringPhysicianName [PN]") == standards.NAME_OTHER
    assert standards.meaning("ssn") is None


def text(s: str) -> ContentFindings:
    return scan(s.encode(), "page.txt")


def test_role_mailbox_toll_free_and_fictional_numbers_alone_are_not_personal() -> None:
    for doc in (
        "MedCall Telehealth: see a doctor today. Call us toll-free at 1-800-632-4455.",
        "Questions? Write to support@medcall-health.com or info@medcall-health.com",
        "Sample form. Phone: (617) 555-0142. Email: jane.doe@example.com",
    ):
        f = text(doc)
        assert personal(f) == set(), doc
        assert {s.category for s in f.detections.values()} <= {"organisation", "test", "health"}
    # next to a person's data they are kept as contact details
    f = text("Patient: Marisol Quentara, DOB 03/14/1972, SSN 287-65-4310. Clinic line 1-800-632-4455.")
    assert f.detections["PHONE"].category == "contact" and "US_SSN" in personal(f)
    assert personal(text("Reach me at marisol.quentara@gmail.com")) == {"EMAIL"}


def test_test_identifier_columns_are_not_personal() -> None:
    f = scan(b"case,test_ssn,expected\n1,287-65-4310,valid\n2,123-45-6789,valid\n", "qa.csv")
    assert personal(f) == set()


def test_two_identifiers_of_one_patient_are_one_record() -> None:
    msg = (
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\r"
        "PID|1||2148790^^^MSH_MRN^MR~162840^^^MSH_EMPI^CM||RUFUSS^MELLODIAL||19521129|F\r"
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|2|P|2.5\r"
        "PID|1||2148791^^^MSH_MRN^MR||BENNETT^NELLY||19810226|F\r"
    )
    f = scan(msg.encode(), "m.hl7")
    assert count_people(("m", frozenset(r)) for r in f.people).total == 2
    doc = {
        "resourceType": "Patient",
        "identifier": [
            {"system": "urn:medcall:mrn", "value": "MC5881484"},
            {"system": "http://hl7.org/fhir/sid/us-mbi", "value": "1EG4-TE5-MK73"},
        ],
        "name": [{"family": "Welch", "given": ["Ricardo"]}],
    }
    f = fhir(doc)
    assert "US_MBI" in f.detections and len(f.people) == 1


def test_dicom_declared_deidentified_is_reported_as_such_not_as_people() -> None:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.PatientName = "Doe^Archibald"
    ds.PatientID = "77654033"
    ds.PatientIdentityRemoved = "YES"
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    f = scan(buf.getvalue(), "IMG2")
    assert personal(f) == set() and not f.people
    assert {f.detections[t].category for t in ("PERSON_NAME", "MEDICAL_RECORD_NUMBER")} == {"deidentified"}
    ds.PatientIdentityRemoved = "NO"
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    assert personal(scan(buf.getvalue(), "IMG3")) == {"PERSON_NAME", "MEDICAL_RECORD_NUMBER"}


def test_hl7_with_other_separators_is_still_hl7() -> None:
    f = scan(b"MSH$%~\\&$GHH LAB\rPID$$$555-44-4444%%%100%MR$$EVERYWOMAN%EVE%E%%%L\r", "m.txt")
    assert "MEDICAL_RECORD_NUMBER" in f.detections and "PERSON_NAME" in f.detections


def test_fhir_elements_the_standard_leaves_open_are_read_for_identifier_shapes() -> None:
    f = fhir(
        {
            "resourceType": "Observation",
            "id": "1.1.1.1",
            "note": [{"text": "Patient called from 617-555-0199, SSN 287-65-4310 on file"}],
            "extension": [{"url": "http://example.org/x", "valueString": "reach at marisol.q@gmail.com"}],
        }
    )
    assert {"US_SSN", "EMAIL"} <= personal(f) and "IP_ADDRESS" not in f.detections


def hl7_segment(name: str, fields: dict[int, str]) -> str:
    return "|".join([name] + [fields.get(i, "") for i in range(1, max(fields) + 1)]) + "\r"


def test_next_of_kin_and_guarantor_identifiers_stay_out_of_the_patients_record() -> None:
    msg = (
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\r"
        "PID|1||2148790^^^HOSP^MR||RUFUSS^MELLODIAL||19521129|F\r"
        + hl7_segment("NK1", {1: "1", 2: "RUFUSS^PAUL", 3: "SPO", 16: "19500101", 37: "287-65-4310"})
        + hl7_segment(
            "GT1", {1: "1", 2: "G55^^^HOSP^GT", 3: "RUFUSS^PAUL", 12: "531-22-0987", 40: "413-20-1234"}
        )
    )
    f = scan(msg.encode(), "m.hl7")
    assert f.detections["US_SSN"].count == 3  # found, and reported
    assert len(f.people) == 1
    (keys,) = f.people
    assert not any(k.startswith("US_SSN:") for k in keys)  # the spouse's SSNs are not the patient's


def test_dicom_big_endian_without_preamble_or_meta_is_read() -> None:
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.StudyDate = "20150515"
    ds.PatientName = "Lestrade^G"
    ds.PatientID = "ID1"
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=False, little_endian=False)  # a raw dataset: no preamble, no meta
    assert buf.getvalue()[:4] == b"\x00\x08\x00\x05"
    f = scan(buf.getvalue(), "RAW0001")
    assert personal(f) == {"PERSON_NAME", "MEDICAL_RECORD_NUMBER"}


def test_organisation_contact_block_is_not_personal() -> None:
    block = (
        "MedCall Telehealth Inc.\n100 Main Street, Boston, MA 02115\n"
        "Toll-free 1-800-632-4455 · info@medcall-health.com"
    )
    f = text(block)
    assert personal(f) == set() and f.detections["POSTAL_ADDRESS"].category == "organisation"
    assert "PERSON_NAME" in personal(
        text("Patient: Maria Garcia\n100 Main Street, Boston, MA 02115\nCall 1-800-632-4455")
    )
    # an address alone is not known to be an organisation's
    assert "POSTAL_ADDRESS" in personal(text("Deliver to 100 Main Street, Boston, MA 02115"))
