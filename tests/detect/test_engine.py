"""The engine end to end: context rules, tables, records/people keys, masking and no raw values."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.fingerprint import load_or_create_secret
from phiscope.model import ContentFindings, Location, Segment, TableChunk, plain

SECRET = b"detect-test-secret-0123456789abc"


@pytest.fixture(scope="module")
def engine() -> DetectionEngine:
    return DetectionEngine(SECRET)


def types(engine: DetectionEngine, text: str) -> list[str]:
    return [t for _, _, t in engine.spans(text)]


def seg_scan(engine: DetectionEngine, text: str, label: str | None = None) -> ContentFindings:
    return engine.scan([Segment(ln, Location(line=i + 1), label) for i, ln in enumerate(text.splitlines())])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN: 123-45-6789", ["US_SSN"]),
        ("her number 123-45-6789 is on file", ["US_SSN"]),  # dashed: valid alone
        ("value 123456789 here", []),  # undashed without context
        ("social security number 123456789", ["US_SSN"]),
        ("SSN 000-12-3456", []),
        ("SSN 666-12-3456", []),
        ("SSN 987-45-4321", []),  # 9xx, and not an ITIN group
        ("ITIN 987-75-4321", ["US_ITIN"]),
        ("SSN 078-05-1120", []),
        ("trace id TRC-123-45-6789-A", []),  # inside a longer token
        ("request 123-45-6789 retried", []),  # negative keyword right before
        ("The SSN (socialsecurity) assessment", []),
        ("NHS number 943 476 5919", ["UK_NHS"]),
        ("fax 943-476-5919", ["PHONE"]),  # passes mod 11, but it is a phone number
        ("SIN: 130 692 544", ["CA_SIN"]),
        ("id 130 692 544", []),
        ("NPI: 1234567893", ["US_NPI"]),
        ("ref 1234567893", []),
        ("DEA # AB1234563", ["US_DEA"]),
        ("part AB1234563", []),
        ("Dx: E11.9", ["ICD10_CM"]),
        ("room E11 on floor 2", []),
        ("CPT 99213 billed", ["CPT_HCPCS"]),
        ("NDC 50090-347-01", ["NDC"]),
        ("SKU 50090-347-01", []),
        ("MRN: 00482913", ["MEDICAL_RECORD_NUMBER"]),
        ("Driver's license D1234567", ["DRIVER_LICENSE"]),
        ("Passport number 548796321", ["PASSPORT"]),
        ("DOB: 03/04/1972", ["DATE_OF_BIRTH"]),
        ("born on March 4, 1972", ["DATE_OF_BIRTH"]),
        ("visit on 03/04/2021", []),
        ("DOB: 03/04/1972, admitted 05/06/2021", ["DATE_OF_BIRTH"]),  # only the date next to DOB
        ("née le 25/12/1950", ["DATE_OF_BIRTH"]),
        ("login from 203.0.113.45", ["IP_ADDRESS"]),
        ("version 1.2.3.4", []),
        ("card 4111 1111 1111 1111", ["CREDIT_CARD"]),
        ("tracking 4111 1111 1111 1112", []),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", ["IBAN"]),
        ("write to ada.q@example.com", ["EMAIL"]),
        ("lives at 12 Main Street, Boston, MA 02115", ["POSTAL_ADDRESS", "ZIP_CODE"]),
        ("Call (617) 555-0134", ["PHONE"]),
        ("Tél : 01 23 45 67 89", ["PHONE"]),
        ("Medicare 1EG4-TE5-MK73", ["US_MBI"]),
        ("NIR 1 85 05 78 006 084 91", ["FR_NIR"]),
        ("INS : 185057800608491", ["FR_INS"]),
        ("NIR 1 85 05 78 006 084 92", []),
    ],
)
def test_context_rules(engine: DetectionEngine, text: str, expected: list[str]) -> None:
    assert sorted(types(engine, text)) == sorted(expected)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("John Smith was admitted on Monday.", 1),
        ("Patient: Anneke Zwartjes", 1),  # not in the dictionary, but labelled
        ("Dr. Hamilton reviewed the chart.", 1),
        ("Social Security Administration notice", 0),
        ("Parking Lot B closes at 6 pm.", 0),
    ],
)
def test_names_in_text(engine: DetectionEngine, text: str, names: int) -> None:
    assert types(engine, text).count("PERSON_NAME") == names


def test_health_terms_mark_health(engine: DetectionEngine) -> None:
    f = seg_scan(engine, "Admitted with congestive heart failure; started on metformin after a colonoscopy.")
    assert {"HEALTH_CONDITION", "MEDICATION", "PROCEDURE"} <= set(f.detections)
    assert f.health is True
    assert seg_scan(engine, "The weekly staff meeting moved to Tuesday.").health is False


CSV_HEADER = ["patient_name", "dob", "ssn", "employer", "notes", "amount"]
CSV_ROWS = [
    ["Ada Quinn", "1972-03-04", "123-45-6789", "Acme Inc.", "asthma follow-up, call 617-555-0199", "12.50"],
    ["Bo Reyes", "1980-11-02", "234-56-7890", "ACME", "", "8.00"],
    ["Cy Dunn", "1990-01-15", "000-12-3456", "Globex LLC", "", "1.00"],  # invalid SSN in an SSN column
]


def test_table_columns(engine: DetectionEngine) -> None:
    f = engine.scan([TableChunk(CSV_HEADER, CSV_ROWS, 1, Location(sheet="s1"))])
    d = f.detections
    assert d["US_SSN"].count == 2
    assert d["PERSON_NAME"].count == 3
    assert d["DATE_OF_BIRTH"].count == 3
    assert d["PHONE"].count == 1 and d["HEALTH_CONDITION"].count == 1
    assert d["US_SSN"].locations[0] == Location(sheet="s1", row=1, column="ssn", column_index=2)
    assert d["US_SSN"].masked_examples == ["***-**-6789", "***-**-7890"]
    assert len(f.organisations) == 2  # "Acme Inc." and "ACME" normalise alike
    assert len(f.people) == 3
    assert all(any(k.startswith("NAME_DOB:") for k in rec) for rec in f.people)
    assert "AMOUNT" not in json.dumps(plain(f))


def test_column_vote_without_header(engine: DetectionEngine) -> None:
    rows = [[f"{100 + i}-45-{6789 - i}", f"{i}.00"] for i in range(20)]
    f = engine.scan([TableChunk(["c1", "c2"], rows, 1)])
    assert f.detections["US_SSN"].count == 20
    assert set(f.detections) == {"US_SSN"}


def test_undashed_ssn_column_needs_header(engine: DetectionEngine) -> None:
    rows = [[f"{123456780 + i}"] for i in range(10)]
    assert "US_SSN" not in engine.scan([TableChunk(["order_id"], rows, 1)]).detections
    assert engine.scan([TableChunk(["SSN"], rows, 1)]).detections["US_SSN"].count == 10


def test_same_person_keys_across_csv_form_and_call(engine: DetectionEngine) -> None:
    csv = engine.scan(
        [
            TableChunk(
                ["First Name", "Last Name", "DOB", "SSN"], [["José", "Núñez", "03/04/1972", "123456789"]], 1
            )
        ]
    )
    form = engine.scan(
        [
            Segment("JOSE NUNEZ", Location(page=1, field="name"), "Patient name"),
            Segment("March 4, 1972", Location(page=1, field="dob"), "Date of Birth"),
            Segment("123-45-6789", Location(page=1, field="ssn"), "Social Security No."),
        ]
    )
    call = engine.scan(
        [
            Segment("my social security number is 123 45 6789", Location(start_s=3.0, end_s=6.0)),
            Segment("1972-03-04", Location(start_s=7.0, end_s=8.0), "date of birth"),
        ]
    )
    (r1,), (r2,), (r3,) = csv.people, form.people, call.people
    ssn = {k for k in r1 if k.startswith("US_SSN:")}
    assert ssn and ssn <= r2 and ssn <= r3
    name_dob = {k for k in r1 if k.startswith("NAME_DOB:")}
    assert name_dob and name_dob <= r2


def test_document_with_several_people_splits_records(engine: DetectionEngine) -> None:
    text = "Name: Ada Quinn\nSSN: 123-45-6789\n\nName: Bo Reyes\nSSN: 234-56-7890\n"
    f = seg_scan(engine, text)
    assert len(f.people) == 2


def test_no_raw_value_leaves_detect(engine: DetectionEngine) -> None:
    raws = [
        "123-45-6789",
        "123456789",
        "6789-",
        "ada.quinn@example.com",
        "Ada Quinn",
        "1972-03-04",
        "03/04/1972",
        "617-555-0134",
        "4111 1111 1111 1111",
        "4111111111111111",
        "1EG4-TE5-MK73",
        "185057800608491",
        "943 476 5919",
        "FR76 3000 6000 0112 3456 7890 189",
        "12 Main Street",
        "00482913",
        "Acme",
    ]
    text = (
        "Patient Name: Ada Quinn\nDOB: 03/04/1972\nSSN: 123-45-6789 (also 123456789 per social security card)\n"  # noqa: E501
        "email ada.quinn@example.com phone 617-555-0134 card 4111 1111 1111 1111 / 4111111111111111\n"
        "Medicare 1EG4-TE5-MK73 NIR 185057800608491 NHS number 943 476 5919\n"
        "IBAN FR76 3000 6000 0112 3456 7890 189, lives at 12 Main Street. MRN: 00482913 Employer: Acme\n"
    )
    f1 = seg_scan(engine, text)
    f2 = engine.scan(
        [
            TableChunk(
                ["name", "dob", "ssn", "email", "employer"],
                [["Ada Quinn", "1972-03-04", "123-45-6789", "ada.quinn@example.com", "Acme"]],
                1,
            )
        ]
    )
    assert len(f1.detections) >= 12
    for f in (f1, f2):
        dumped = repr(f) + json.dumps(plain(f)) + json.dumps(sorted(f.organisations)) + repr(f.people)
        for raw in raws:
            if raw == "6789-":
                continue
            assert raw not in dumped, "a raw value leaked"
            assert raw.replace(" ", "") not in dumped.replace(" ", "") or len(raw) < 6


def test_bad_input_does_not_crash(engine: DetectionEngine) -> None:
    items = [
        Segment("", Location()),
        Segment("\x00\ufffd" * 100 + "SSN 123-45-6789", Location()),
        TableChunk(None, [[], ["a"], ["1", "2", "3"]], 1),
        TableChunk(["ssn"], [], 1),
    ]
    f = engine.scan(items)
    assert f.detections["US_SSN"].count == 1


def test_caps_on_locations_and_examples(engine: DetectionEngine) -> None:
    rows = [[f"{100 + i:03d}-45-{1000 + i}"] for i in range(50)]
    s = engine.scan([TableChunk(["ssn"], rows, 1)]).detections["US_SSN"]
    assert (
        s.count == 50 and len(s.locations) == 15 and len(s.masked_examples) == 5 and len(s.fingerprints) == 50
    )


def test_fingerprints_depend_on_secret() -> None:
    a = DetectionEngine(b"a" * 32).scan([Segment("SSN 123-45-6789", Location())])
    b = DetectionEngine(b"b" * 32).scan([Segment("SSN 123-45-6789", Location())])
    assert a.detections["US_SSN"].fingerprints.isdisjoint(b.detections["US_SSN"].fingerprints)


def test_secret_created_private_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "cfg" / "secret.key"
    monkeypatch.setenv("PHISCOPE_SECRET_FILE", str(p))
    s1 = load_or_create_secret()
    assert len(s1) == 32 and p.exists()
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert load_or_create_secret() == s1
    assert load_or_create_secret(p) == s1
