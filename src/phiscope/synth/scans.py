"""Scanned-looking intake forms: PNG images and image-only PDFs (no text layer), readable by OCR.

Rendered at 150 dpi with 30-px type (about 14 pt), then given a slight rotation and speckle noise
from a seeded generator, so the bytes are fixed by the seed and tesseract still reads the values.
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import TYPE_CHECKING

from phiscope.synth.pdfs import SUBJECT
from phiscope.synth.people import Person
from phiscope.synth.truth import Recorder

if TYPE_CHECKING:
    from PIL.Image import Image
    from PIL.ImageFont import FreeTypeFont, ImageFont

DPI = 150
PAGE = (1275, 1650)  # US letter at 150 dpi
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))


def _font(size: int, bold: bool = False) -> FreeTypeFont | ImageFont:
    from PIL import ImageFont

    names = (
        ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")
        if bold
        else ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")
    )
    for d in _FONT_DIRS:
        for n in names:
            if (d / n).exists():
                return ImageFont.truetype(str(d / n), size)
    return ImageFont.load_default(size)


def intake_rows(p: Person) -> list[tuple[str, str, str | None]]:
    """(label, value, identifier type) in the order printed."""
    return [
        ("Patient name:", p.name, "PERSON_NAME"),
        ("Date of birth:", p.dob.strftime("%m/%d/%Y"), "DATE_OF_BIRTH"),
        ("Social Security No.:", p.ssn or "", "US_SSN"),
        ("Phone:", p.phone, "PHONE"),
        ("Address:", p.street, "POSTAL_ADDRESS"),
        ("City / State / ZIP:", f"{p.city}, {p.state} {p.postcode}", "ZIP_CODE"),
        ("Employer:", p.employer or "none", None),
        ("Reason for visit:", p.conditions[0].description[:44], None),
    ]


def render_intake(p: Person, seed: int) -> Image:
    """The scanned page as a PIL image (mode L)."""
    import numpy as np
    from PIL import Image, ImageDraw

    img = Image.new("L", PAGE, 255)
    d = ImageDraw.Draw(img)
    title, body, small = _font(40, bold=True), _font(30), _font(22)
    d.text((90, 90), "MEDCALL TELEHEALTH", font=title, fill=0)
    d.text((90, 150), "NEW PATIENT INTAKE FORM", font=body, fill=0)
    d.line((90, 200, 1185, 200), fill=0, width=3)
    y = 260
    for label, value, _ in intake_rows(p):
        d.text((90, y), label, font=body, fill=0)
        d.text((470, y), value, font=body, fill=25)
        d.line((460, y + 40, 1185, y + 40), fill=120, width=2)
        y += 95
    d.text((90, 1450), "Patient signature: ____________________   Date: ____________", font=small, fill=0)
    rng = random.Random(seed)
    img = img.rotate(rng.uniform(-0.9, 0.9), resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    # Speckles (dust) and a faint grey cast, drawn from a seeded generator: stable bytes.
    arr = np.asarray(img, dtype=np.int16)
    gen = np.random.default_rng(seed)
    dust = gen.random(arr.shape) < 0.0015
    arr = np.where(dust, gen.integers(0, 160, arr.shape), arr)
    arr = np.clip(arr - 6, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, mode="L")


def _png(img: Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(DPI, DPI))
    return buf.getvalue()


def _image_pdf(img: Image, path: Path) -> None:
    """A PDF page holding only the image (JPEG), like a scanner's output: no text layer."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80, dpi=(DPI, DPI))
    buf.seek(0)
    c = Canvas(str(path), pagesize=letter, invariant=1)
    c.setTitle("Scan")
    c.setSubject(SUBJECT)
    c.drawImage(ImageReader(buf), 0, 0, width=letter[0], height=letter[1])
    c.showPage()
    c.save()


def write_scan(rec: Recorder, bucket: str, key: str, p: Person, seed: int) -> None:
    """PNG when `key` ends in .png, image-only PDF when it ends in .pdf."""
    img = render_intake(p, seed)
    kind = "png-scan" if key.endswith(".png") else "pdf-image-only"
    note = rec.note(bucket, key, kind)
    path = rec.path(bucket, key)
    if kind == "png-scan":
        path.write_bytes(_png(img))
    else:
        _image_pdf(img, path)
    values: list[tuple[str, str | None]] = [(t, v) for _, v, t in intake_rows(p) if t]
    rec.person(note, p.pid, values, employer=p.employer, health=True)
