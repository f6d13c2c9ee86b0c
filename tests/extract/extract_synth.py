"""Generators for every format the extraction tests and bench read (invented values only)."""

from __future__ import annotations

import csv
import gzip
import io
import re
import tarfile
import zipfile
from pathlib import Path

PATIENTS = [
    ("Marisol", "Quentara", "287-65-4310", "1972-03-14", "marisol.q@example.org"),
    ("Tobias", "Wrenfield", "401-22-9187", "1985-11-02", "t.wrenfield@example.org"),
    ("Ines", "Okonkwo-Bay", "532-71-0846", "1990-07-29", "ines.ob@example.org"),
]
HEADER = ["first_name", "last_name", "ssn", "dob", "email"]


def delimited(rows: list[tuple[str, ...]] = PATIENTS, delim: str = ",", header: bool = True) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\n")
    if header:
        w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue().encode()


def many_rows(n: int, delim: str = ",") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\n")
    w.writerow([*HEADER, "notes"])
    for i in range(n):
        p = PATIENTS[i % len(PATIENTS)]
        w.writerow([*p, f"visit {i} follow-up for hypertension, BP 130/85"])
    return buf.getvalue().encode()


def fillable_pdf(pages: int = 2) -> bytes:
    """A claim form whose data exists only in AcroForm fields (the page shows labels only)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.drawString(72, 720, "WORKERS' COMPENSATION - EMPLOYEE'S CLAIM FORM")
    c.drawString(72, 690, "Employee name")
    c.acroForm.textfield(
        name="emp_name", tooltip="Employee name", value="Marisol Quentara", x=220, y=682, width=200, height=18
    )
    c.drawString(72, 660, "Social Security No.")
    c.acroForm.textfield(
        name="emp_ssn", tooltip="Social Security No.", value="287-65-4310", x=220, y=652, width=200, height=18
    )
    c.acroForm.checkbox(name="injured_at_work", checked=True, x=220, y=620)
    for p in range(2, pages + 1):
        c.showPage()
        c.drawString(72, 720, f"Page {p}: details of the injury and the treating physician")
        c.acroForm.textfield(
            name=f"physician_{p}",
            tooltip="Treating physician",
            value="Dr. Alma Reyes",
            x=220,
            y=682,
            width=200,
            height=18,
        )
    c.save()
    return buf.getvalue()


def text_pdf(pages: int = 3, lines: int = 40) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    for p in range(pages):
        for i in range(lines):
            first, last, ssn, dob, _ = PATIENTS[(p + i) % len(PATIENTS)]
            c.drawString(40, 750 - 18 * i, f"{first} {last} SSN {ssn} DOB {dob} visit note line {i}")
        c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """One page that is only an image (a scan): no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(img).text((20, 80), "Patient: Marisol Quentara SSN 287-65-4310", fill="black")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    c.drawImage(ImageReader(img), 36, 500, width=540, height=180)
    c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf(user_password: str, owner_password: str = "owner-secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(pages=1, lines=3))))
    w.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def dicom(preamble: bool = True, pixels: bool = False) -> bytes:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "Quentara^Marisol"
    ds.PatientID = "MRN-00428817"
    ds.PatientBirthDate = "19720314"
    ds.OtherPatientIDs = "287-65-4310"
    ds.InstitutionName = "Lakeside General"
    ds.StudyDescription = "CT CHEST W/O CONTRAST"
    ref = Dataset()
    ref.ReferringPhysicianName = "Reyes^Alma"
    ds.RequestAttributesSequence = [ref]
    if pixels:
        ds.Rows, ds.Columns = 8, 8
        ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 8, 8, 7
        ds.PixelRepresentation = 0
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.PixelData = bytes(64)
    buf = io.BytesIO()
    if preamble:
        ds.preamble = b"\x00" * 128
        ds.save_as(buf, enforce_file_format=True)
    else:
        # A raw dataset as many PACS exports write it: no preamble, no DICM, no file meta.
        ds.save_as(buf, implicit_vr=False, little_endian=True)
    return buf.getvalue()


def hl7(sep: str = "\r") -> bytes:
    segs = [
        r"MSH|^~\&|EPIC|LAKESIDE|RECV|HUB|20240105101500||ADT^A01|MSG00001|P|2.5",
        "EVN|A01|20240105101500",
        "PID|1||MRN00428817^^^LAKESIDE^MR||QUENTARA^MARISOL^J||19720314|F|||12 Harbor Rd^^Salem^MA^01970||"
        "(978)555-0142|||||ACCT7781|287-65-4310",
        "NK1|1|WRENFIELD^TOBIAS|SPO|12 Harbor Rd^^Salem^MA^01970|(978)555-0199",
        r"OBX|1|TX|NOTE||Patient reports chest pain\F\ shortness of breath",
    ]
    return (sep.join(segs) + sep).encode()


def fhir_bundle() -> bytes:
    import json

    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [
            {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "287-65-4310"},
            {"type": {"coding": [{"code": "MR"}]}, "value": "MRN00428817"},
        ],
        "name": [{"family": "Quentara", "given": ["Marisol", "J"]}],
        "telecom": [{"system": "phone", "value": "(978) 555-0142"}],
        "birthDate": "1972-03-14",
        "address": [{"line": ["12 Harbor Rd"], "city": "Salem", "state": "MA", "postalCode": "01970"}],
    }
    cond = {
        "resourceType": "Condition",
        "code": {
            "coding": [{"system": "http://snomed.info/sct", "code": "38341003", "display": "Hypertension"}]
        },
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": patient}, {"resource": cond}],
    }
    return json.dumps(bundle, indent=1).encode()


def xlsx(rows: int = 3) -> bytes:
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Patients")
    ws.append(HEADER)
    for i in range(rows):
        f, last, ssn, dob, email = PATIENTS[i % len(PATIENTS)]
        ws.append([f, last, ssn, dt.date.fromisoformat(dob), email])
    ws2 = wb.create_sheet("Codes")
    ws2.append([123456789, "E11.9", 3.5])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_TEXTBOX = (
    '<w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>'
    "<w:p><w:r><w:t>Text box: member ID XK4471920</w:t></w:r></w:p>"
    "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
)


def docx() -> bytes:
    """Body, a table, a header, a footer, a comment and a text box (injected: python-docx cannot)."""
    from docx import Document

    d = Document()
    d.add_paragraph("Referral letter for Marisol Quentara, DOB 1972-03-14.")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Name", "SSN"
    t.cell(1, 0).text, t.cell(1, 1).text = "Tobias Wrenfield", "401-22-9187"
    p = d.add_paragraph("Anchor paragraph")
    d.sections[0].header.paragraphs[0].text = "CONFIDENTIAL - Ines Okonkwo-Bay"
    d.sections[0].footer.paragraphs[0].text = "Footer phone (978) 555-0142"
    d.add_comment(p.runs, text="Check SSN 532-71-0846", author="QA")
    out = io.BytesIO()
    d.save(out)
    return _inject(
        out.getvalue(),
        "word/document.xml",
        lambda x: x.replace(
            "<w:t>Anchor paragraph</w:t></w:r>", "<w:t>Anchor paragraph</w:t></w:r>" + _TEXTBOX, 1
        ),
    )


def _inject(zbytes: bytes, part: str, fn: object) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(zbytes))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                data = fn(data.decode()).encode()  # type: ignore[operator]
            z.writestr(info, data)
    return out.getvalue()


def pptx() -> bytes:
    """A minimal presentation: one slide with a title and a table, plus speaker notes."""
    a = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
    slide = (
        f"<p:sld {a}><p:cSld><p:spTree><p:sp><p:txBody>"
        "<a:p><a:r><a:t>Case review: Marisol Quentara</a:t></a:r></a:p>"
        "</p:txBody></p:sp><a:tbl><a:tr><a:tc><a:txBody><a:p><a:r><a:t>SSN</a:t></a:r></a:p></a:txBody></a:tc></a:tr>"
        "<a:tr><a:tc><a:txBody><a:p><a:r><a:t>287-65-4310</a:t></a:r></a:p></a:txBody></a:tc></a:tr></a:tbl>"
        "</p:spTree></p:cSld></p:sld>"
    )
    notes = (
        f"<p:notes {a}><p:cSld><p:spTree><p:sp><p:txBody>"
        "<a:p><a:r><a:t>Call back at (978) 555-0142</a:t></a:r></a:p>"
        "</p:txBody></p:sp></p:spTree></p:cSld></p:notes>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        z.writestr("ppt/presentation.xml", f"<p:presentation {a}/>")
        z.writestr("ppt/slides/slide1.xml", slide)
        z.writestr("ppt/notesSlides/notesSlide1.xml", notes)
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def tar_gz_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as t:
        for name, data in members.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return out.getvalue()


def zip_bomb(path: Path, mb: int = 300) -> Path:
    """One member of `mb` MiB of zeros (ratio ~1000:1), written in chunks."""
    zero = bytes(1 << 20)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("zeros.csv", "w", force_zip64=True) as f,
    ):
        for _ in range(mb):
            f.write(zero)
    return path


def gzip_bomb(mb: int = 200) -> bytes:
    out = io.BytesIO()
    zero = bytes(1 << 20)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as g:
        for _ in range(mb):
            g.write(zero)
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<patient><name>&lol9;</name><ssn>287-65-4310</ssn></patient>
"""


def broken_xref(pdf: bytes) -> bytes:
    """Point every xref entry and startxref somewhere wrong."""
    out = re.sub(rb"\d{10} 00000 n", b"0000000001 00000 n", pdf)
    return re.sub(rb"startxref\s+\d+", b"startxref\n999999", out)
