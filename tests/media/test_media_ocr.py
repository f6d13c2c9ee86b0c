"""OCR extractor on images the tests render: forms, multi-page TIFF, a scanned-only PDF, DICOM."""

from __future__ import annotations

import io
import re

import pytest
from media_synth import FORM, png_bytes, render_form, render_letter
from PIL import Image, ImageFilter

from phiscope.detect.engine import DetectionEngine
from phiscope.extract import ocr
from phiscope.extract.base import ExtractContext, Limits, SkipObject
from phiscope.extract.media import extract_dicom_pixels, extract_image, ocr_available, ocr_image
from phiscope.model import Location, Segment

pytestmark = [
    pytest.mark.ocr,
    pytest.mark.skipif(not ocr_available(), reason="tesseract with English data not installed"),
]


def _segments(data: bytes, name: str = "scan.png", **limits: object) -> tuple[list[Segment], ExtractContext]:
    ctx = ExtractContext(name, limits=Limits(**limits))  # type: ignore[arg-type]
    segs = [s for s in extract_image(io.BytesIO(data), ctx) if isinstance(s, Segment)]
    return segs, ctx


def _encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format=fmt)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "WEBP", "TIFF"])
def test_form_fields_found_with_page_line_and_box(fmt: str) -> None:
    segs, ctx = _segments(_encode(render_form(), fmt), f"form.{fmt.lower()}")
    text = "\n".join(s.text for s in segs)
    for value in FORM.values():
        assert value in text
    ssn_line = next(s for s in segs if FORM["ssn"] in s.text)
    loc = ssn_line.location
    assert loc.page == 1 and loc.line is not None and loc.line >= 2
    assert loc.bbox is not None
    left, top, width, height = loc.bbox
    # drawn at x=100, y=330 (text top a few pixels lower) in the 1700x1100 image
    assert 90 <= left <= 115 and 325 <= top <= 350 and 20 <= height <= 60 and width > 400
    assert ctx.partial_reasons == []


def test_detector_finds_ocr_ssn_and_never_sees_raw_value_outside_detect() -> None:
    segs, _ = _segments(png_bytes(render_form(skew=2.5)))
    findings = DetectionEngine(b"k" * 32).scan(segs)
    ssn = findings.detections["US_SSN"]
    assert ssn.count == 1
    assert ssn.masked_examples == ["***-**-4310"]
    assert ssn.locations[0].bbox is not None and ssn.locations[0].page == 1
    assert FORM["ssn"] not in repr(findings)


def test_small_screenshot_is_upscaled_and_box_is_in_original_pixels() -> None:
    img = render_form().resize((567, 367), Image.Resampling.LANCZOS)  # a third of the size
    segs, _ = _segments(png_bytes(img))
    ssn_line = next(s for s in segs if FORM["ssn"] in s.text)
    assert ssn_line.location.bbox is not None
    left, top, _w, _h = ssn_line.location.bbox
    assert 25 <= left <= 45 and 100 <= top <= 125


def test_multipage_tiff_reports_each_page() -> None:
    pages = [render_letter([f"Page {n} of the chart", f"Member ID: QZ88{n}1907"]) for n in (1, 2, 3)]
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    segs, _ = _segments(buf.getvalue(), "chart.tiff")
    for n in (1, 2, 3):
        on_page = [s.text for s in segs if s.location.page == n]
        assert any(f"QZ88{n}1907" in t for t in on_page), on_page


def test_scanned_only_pdf_page_goes_through_ocr_image() -> None:
    pypdfium2 = pytest.importorskip("pypdfium2")
    page = render_letter(["Discharge summary", f"Patient: {FORM['name']}", f"SSN {FORM['ssn']}"])
    pdf = io.BytesIO()
    page.convert("RGB").save(pdf, format="PDF", resolution=150.0)
    doc = pypdfium2.PdfDocument(pdf.getvalue())
    assert doc[0].get_textpage().get_text_range().strip() == ""  # no text layer: image only
    rendered = doc[0].render(scale=150 / 72).to_pil()
    ctx = ExtractContext("scan.pdf")
    segs = list(ocr_image(png_bytes(rendered), ctx, Location(page=1)))
    text = "\n".join(s.text for s in segs if isinstance(s, Segment))
    assert FORM["name"] in text and FORM["ssn"] in text
    assert all(s.location.page == 1 and s.location.bbox for s in segs if isinstance(s, Segment))


def test_low_confidence_is_reported_partial() -> None:
    blurred = render_letter(["Patient notes written in a hurry"] * 6).filter(ImageFilter.GaussianBlur(4))
    segs, ctx = _segments(png_bytes(blurred))
    assert segs  # something was read, but not trusted
    assert "low OCR confidence" in ctx.partial_reasons


def test_blank_image_yields_nothing_and_is_complete() -> None:
    segs, ctx = _segments(png_bytes(Image.new("L", (800, 600), 255)))
    assert segs == [] and ctx.partial_reasons == []


def test_disabled_and_unreadable() -> None:
    with pytest.raises(SkipObject, match="OCR disabled"):
        _segments(png_bytes(render_form()), ocr=False)
    with pytest.raises(SkipObject, match="unreadable image"):
        _segments(b"\x89PNG\r\n\x1a\nnot really a png")
    ctx = ExtractContext("scan.pdf", limits=Limits(ocr=False))
    assert list(ocr_image(png_bytes(render_form()), ctx, Location(page=3))) == []
    assert ctx.partial_reasons == ["OCR disabled: image-only page not read"]


def test_missing_tesseract_skips_with_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(SkipObject, match=r"^OCR not available: tesseract not installed$"):
        _segments(png_bytes(render_form()))


def test_deskew_estimate() -> None:
    gray = render_form(skew=3.0).convert("L")
    assert ocr.estimate_skew(gray) == pytest.approx(-3.0, abs=0.5)
    assert ocr.estimate_skew(render_form().convert("L")) == pytest.approx(0.0, abs=0.5)


def test_parse_tsv_groups_words_into_lines_and_rescales() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t100\t50\t80\t20\t90\tDate",
        "5\t1\t1\t1\t1\t2\t190\t52\t40\t20\t70\tof",
        "5\t1\t1\t1\t2\t1\t100\t90\t60\t22\t95\tbirth",
        "4\t1\t1\t1\t2\t0\t100\t90\t60\t22\t-1\t",
    ]
    page = ocr.parse_tsv("\n".join([header, *rows]), scale=2.0)
    assert [(ln.text, ln.bbox, ln.line) for ln in page.lines] == [
        ("Date of", (50, 25, 65, 11), 1),
        ("birth", (50, 45, 30, 11), 2),
    ]
    assert page.words == 3
    assert page.confidence == pytest.approx((90 * 4 + 70 * 2 + 95 * 5) / 11)


def test_dicom_burned_in_text() -> None:
    pydicom = pytest.importorskip("pydicom")
    import numpy as np
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    img = render_letter([f"{FORM['name']}  DOB {FORM['dob']}", "US ABDOMEN"], size=(1100, 400))
    arr = (np.asarray(img, dtype=np.uint16) * 16).astype(np.uint16)  # 12-bit range
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.Rows, ds.Columns = arr.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = arr.tobytes()
    ctx = ExtractContext("frame.dcm")
    segs = [s for s in extract_dicom_pixels(ds, ctx, Location()) if isinstance(s, Segment)]
    text = "\n".join(s.text for s in segs)
    assert FORM["name"] in text and re.search(r"03/14/1972", text)
    assert segs[0].location.dicom_tag == "(7FE0,0010) PixelData"
