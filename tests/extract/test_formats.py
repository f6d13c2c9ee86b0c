"""One test (or a few) per format, on files generated here, checking text AND exact locations."""

from __future__ import annotations

import json
from collections.abc import Iterator

import extract_synth as S
import pytest
from extract_helpers import all_text, by_label, chunks, run, segments

from phiscope.extract import sniff
from phiscope.extract.base import ExtractContext, Item, Limits, SkipObject
from phiscope.model import Location, Segment

NO_MEDIA = Limits(ocr=False, audio=False)


def test_plain_text_lines() -> None:
    items, ctx = run(b"first line\n\nthird has SSN 287-65-4310\r\nlast")
    segs = segments(items)
    assert [(s.location.line, s.text) for s in segs] == [
        (1, "first line"),
        (3, "third has SSN 287-65-4310"),
        (4, "last"),
    ]
    assert ctx.content_type == sniff.TEXT


def test_json_paths_and_labels() -> None:
    doc = {
        "patients": [{"name": "Marisol Quentara", "ssn": "287-65-4310", "age": 51, "vip": True}],
        "odd key": "x",
    }
    items, ctx = run(json.dumps(doc).encode())
    got = {(s.location.json_path, s.label, s.text) for s in segments(items)}
    assert got == {
        ("$.patients[0].name", "name", "Marisol Quentara"),
        ("$.patients[0].ssn", "ssn", "287-65-4310"),
        ("$.patients[0].age", "age", "51"),
        ('$["odd key"]', "odd key", "x"),
    }
    assert ctx.content_type == sniff.JSON


def test_ndjson_lines_and_bad_lines() -> None:
    data = b'{"resourceType":"Patient","birthDate":"1972-03-14"}\n{"a": "b"}\n{not json\n'
    items, ctx = run(data)
    segs = segments(items)
    assert (segs[0].location.line, segs[0].label, segs[0].text) == (1, "Patient.birthDate", "1972-03-14")
    assert (segs[1].location.line, segs[1].location.json_path) == (2, "$.a")
    assert segs[2].location.line == 3
    assert any("NDJSON" in r for r in ctx.partial_reasons)


def test_fhir_bundle_labels() -> None:
    items, ctx = run(S.fhir_bundle())
    labels = by_label(items)
    assert labels["Patient.identifier.value [http://hl7.org/fhir/sid/us-ssn]"] == "287-65-4310"
    assert labels["Patient.identifier.value [MR]"] == "MRN00428817"
    assert labels["Patient.name (full name)"] == "Marisol J Quentara"
    assert labels["Patient.birthDate"] == "1972-03-14"
    assert labels["Patient.telecom.value [phone]"] == "(978) 555-0142"
    assert labels["Condition.code.coding.display"] == "Hypertension"
    dob = next(s for s in segments(items) if s.label == "Patient.birthDate")
    assert dob.location.json_path == "$.entry[0].resource.birthDate"
    assert ctx.content_type == sniff.FHIR_JSON


def test_xml_elements_attributes_and_lines() -> None:
    xml = (
        b'<?xml version="1.0"?>\n<cda:doc xmlns:cda="urn:hl7-org:v3">\n <patient>\n'
        b'  <name use="L">Marisol Quentara</name>\n  <birthTime value="19720314"/>\n </patient>\n</cda:doc>\n'
    )
    items, ctx = run(xml)
    got = {(s.label, s.text, s.location.line) for s in segments(items)}
    assert ("doc/patient/name", "Marisol Quentara", 4) in got
    assert ("doc/patient/birthTime/@value", "19720314", 5) in got
    assert ctx.partial_reasons == []


def test_html_visible_text_only() -> None:
    html = b"""<!DOCTYPE html><html><head><title>Chart</title><style>p{color:red}</style>
<script>var ssn = "000-00-0000";</script></head><body>
<p>Patient <b>Marisol</b> Quentara</p>
<table><tr><td>SSN</td><td>287-65-4310</td></tr></table>
<form><input type="text" name="dob" value="1972-03-14"><input type="password" value="hunter2"></form>
</body></html>"""
    items, _ = run(html)
    texts = [s.text for s in segments(items)]
    assert "Patient Marisol Quentara" in texts
    assert "287-65-4310" in texts
    assert by_label(items)["dob"] == "1972-03-14"
    joined = all_text(items)
    assert "000-00-0000" not in joined and "color" not in joined and "hunter2" not in joined


@pytest.mark.parametrize("sep", ["\r", "\n", "\r\n"])
def test_hl7_fields_labelled(sep: str) -> None:
    items, ctx = run(S.hl7(sep))
    segs = {s.location.hl7: s for s in segments(items)}
    assert segs["PID-19"].text == "287-65-4310"
    assert segs["PID-19"].label == "PID-19 SSN number - patient"
    assert segs["PID-5"].text == "MARISOL J QUENTARA"  # XPN read given, middle, family
    assert segs["PID-7"].label == "PID-7 date of birth"
    assert segs["PID-11"].text == "12 Harbor Rd Salem MA 01970"
    assert segs["PID-13"].text == "(978)555-0142"
    assert segs["PID-3"].location.line == 3
    assert segs["MSH-9"].text == "ADT A01"
    assert segs["OBX-5"].text == "Patient reports chest pain| shortness of breath"  # \F\ unescaped
    assert ctx.content_type == sniff.HL7


@pytest.mark.parametrize("preamble", [True, False])
def test_dicom_header_tags(preamble: bool) -> None:
    items, ctx = run(S.dicom(preamble=preamble), name="IMG0001")
    labels = by_label(items)
    assert labels["PatientName [PN]"] == "Marisol Quentara"
    assert labels["PatientBirthDate [DA]"] == "19720314"
    assert labels["OtherPatientIDs [LO]"] == "287-65-4310"
    assert labels["ReferringPhysicianName [PN]"] == "Alma Reyes"
    name = next(s for s in segments(items) if s.label == "PatientName [PN]")
    assert name.location.dicom_tag == "(0010,0010) PatientName"
    nested = next(s for s in segments(items) if s.label == "ReferringPhysicianName [PN]")
    assert (
        nested.location.dicom_tag
        == "(0040,0275) RequestAttributesSequence[0] > (0008,0090) ReferringPhysicianName"
    )
    assert not any(s.label == "SOPInstanceUID [UI]" for s in segments(items))  # UIDs are not scanned
    assert ctx.content_type == sniff.DICOM and ctx.partial_reasons == []


def test_dicom_with_pixels_says_burned_in_text_unread_when_ocr_off() -> None:
    items, ctx = run(S.dicom(pixels=True), limits=NO_MEDIA)
    assert by_label(items)["PatientName [PN]"] == "Marisol Quentara"
    assert ctx.partial_reasons == []  # OCR disabled by setting: nothing handed over, nothing claimed


def test_fillable_pdf_values_only_in_acroform() -> None:
    data = S.fillable_pdf()
    items, ctx = run(data)
    page_text = " ".join(s.text for s in segments(items) if s.location.field is None)
    assert "Social Security No." in page_text and "287-65-4310" not in page_text  # labels only
    fields = {s.location.field: s for s in segments(items) if s.location.field}
    assert fields["emp_ssn"].text == "287-65-4310"
    assert fields["emp_ssn"].label == "Social Security No."
    assert fields["emp_ssn"].location.page == 1
    assert fields["emp_name"].text == "Marisol Quentara"
    assert fields["injured_at_work"].text == "Yes"
    assert fields["physician_2"].location.page == 2
    assert ctx.content_type == sniff.PDF and ctx.partial_reasons == []


def test_pdf_pages_numbered() -> None:
    items, _ = run(S.text_pdf(pages=3, lines=4))
    pages = [s.location.page for s in segments(items)]
    assert pages == [1, 2, 3]
    assert "Tobias Wrenfield SSN 401-22-9187" in segments(items)[0].text


def test_pdf_page_limit_is_partial() -> None:
    items, ctx = run(S.text_pdf(pages=3, lines=2), limits=Limits(max_pages=2))
    assert [s.location.page for s in segments(items)] == [1, 2]
    assert any("2 pages" in r for r in ctx.partial_reasons)


def test_scanned_page_without_ocr_is_partial() -> None:
    items, ctx = run(S.scanned_pdf())
    assert segments(items) == []
    assert ctx.partial_reasons == ["page 1 has no text layer (OCR not available)"]


def test_scanned_page_is_handed_to_ocr() -> None:
    calls: list[tuple[bytes, Location]] = []

    def ocr(png: bytes, ctx: ExtractContext, loc: Location) -> Iterator[Item]:
        calls.append((png, loc))
        yield Segment("ocr text", loc)

    items, ctx = run(S.scanned_pdf(), ocr_image=ocr)
    assert len(calls) == 1
    png, loc = calls[0]
    assert png.startswith(b"\x89PNG") and loc.page == 1
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(png)).width >= 2000  # rendered near 300 dpi for OCR
    assert [s.text for s in segments(items)] == ["ocr text"]
    assert ctx.partial_reasons == []


def test_pdf_owner_password_only_is_read() -> None:
    items, ctx = run(S.encrypted_pdf(user_password=""))
    assert "287-65-4310" in all_text(items)
    assert ctx.partial_reasons == []


def test_pdf_user_password_is_skipped_encrypted() -> None:
    with pytest.raises(SkipObject) as e:
        run(S.encrypted_pdf(user_password="letmein"))
    assert e.value.reason.startswith("encrypted")


def test_xlsx_sheets_as_tables() -> None:
    items, ctx = run(S.xlsx())
    patients, codes = chunks(items)
    assert patients.location.sheet == "Patients" and patients.header == S.HEADER
    assert patients.rows[0] == ["Marisol", "Quentara", "287-65-4310", "1972-03-14", "marisol.q@example.org"]
    assert codes.location.sheet == "Codes" and codes.header is None
    assert codes.rows[0] == ["123456789", "E11.9", "3.5"]  # numbers as a person reads them
    assert ctx.content_type == sniff.XLSX


def test_docx_body_tables_headers_comments_textboxes() -> None:
    items, ctx = run(S.docx())
    segs = segments(items)
    where = {s.text: (s.label, s.location.sheet) for s in segs}
    assert where["Referral letter for Marisol Quentara, DOB 1972-03-14."] == ("body", None)
    assert where["CONFIDENTIAL - Ines Okonkwo-Bay"] == ("header", "header1")
    assert where["Footer phone (978) 555-0142"] == ("footer", "footer1")
    assert where["Check SSN 532-71-0846"] == ("comment", "comments")
    assert where["Text box: member ID XK4471920"][0] == "body"
    (table,) = chunks(items)
    assert table.header == ["Name", "SSN"] and table.rows == [["Tobias Wrenfield", "401-22-9187"]]
    assert table.location.sheet == "table 1"
    assert ctx.partial_reasons == []


def test_pptx_slides_tables_notes() -> None:
    items, _ = run(S.pptx())
    segs = segments(items)
    assert [(s.location.page, s.label, s.text) for s in segs] == [
        (1, "slide", "Case review: Marisol Quentara"),
        (1, "speaker notes", "Call back at (978) 555-0142"),
    ]
    (table,) = chunks(items)
    assert table.location.page == 1 and table.rows == [["287-65-4310"]]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "OCR disabled"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(64), "audio disabled"),
    ],
)
def test_images_and_audio_go_to_media(data: bytes, reason: str) -> None:
    with pytest.raises(SkipObject) as e:
        run(data, limits=NO_MEDIA)
    assert e.value.reason == reason


def test_empty_object_is_complete_with_nothing() -> None:
    items, ctx = run(b"")
    assert items == [] and ctx.partial_reasons == [] and ctx.content_type == sniff.EMPTY
