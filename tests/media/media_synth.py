"""Synthetic inputs for the media tests and bench: rendered forms and spoken calls (fake values only)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

# Invented values (not real people): valid-looking shapes only.
FORM = {
    "name": "Marisol Quentara",
    "ssn": "287-65-4310",
    "dob": "03/14/1972",
    "member": "XK4471920",
}


def render_form(
    values: dict[str, str] = FORM, size: tuple[int, int] = (1700, 1100), skew: float = 0.0
) -> Image.Image:
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    title = ImageFont.truetype(str(FONT_BOLD), 44)
    body = ImageFont.truetype(str(FONT), 32)
    d.text((100, 80), "PATIENT REGISTRATION FORM", font=title, fill="black")
    rows = [
        ("Patient name:", values["name"]),
        ("Social Security No.:", values["ssn"]),
        ("Date of birth:", values["dob"]),
        ("Member ID:", values["member"]),
    ]
    for k, (label, value) in enumerate(rows):
        y = 220 + k * 110
        d.text((100, y), label, font=body, fill="black")
        d.text((620, y), value, font=body, fill=(20, 20, 90))
        d.line((610, y + 45, 1300, y + 45), fill="gray", width=2)
    if skew:
        img = img.rotate(skew, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    return img


def render_letter(lines: list[str], size: tuple[int, int] = (1275, 1650)) -> Image.Image:
    """A plain typed page (letter size at 150 dpi)."""
    img = Image.new("L", size, 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 26)
    for k, line in enumerate(lines):
        d.text((110, 120 + k * 48), line, font=font, fill=0)
    return img


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def speak(
    text: str, out: Path, voice: str = "en-us", rate: int = 150, sample_rate: int = 8000, mulaw: bool = True
) -> Path:
    """TTS → WAV, then sox to a telephone-style file (8 kHz mu-law by default).

    `voice` is an espeak-ng voice ("en-gb"), or "flite:NAME" (kal, kal16, awb, rms, slt: Debian
    `flite`), whose diphone/clustergen voices are closer to a human caller than espeak's formants.
    """
    sox = shutil.which("sox")
    engine = "flite" if voice.startswith("flite:") else "espeak-ng"
    exe = shutil.which(engine)
    if exe is None or sox is None:
        raise RuntimeError(f"{engine} and sox are needed to synthesise calls")
    raw = out.with_suffix(".raw.wav")
    if engine == "flite":
        stretch = f"duration_stretch={150 / rate:.2f}"
        cmd = [exe, "-voice", voice.split(":", 1)[1], "--setf", stretch, "-t", text, "-o", str(raw)]
    else:
        cmd = [exe, "-v", voice, "-s", str(rate), "-w", str(raw), text]
    subprocess.run(cmd, check=True, capture_output=True)
    enc = ["-e", "mu-law"] if mulaw else ["-e", "signed-integer", "-b", "16"]
    subprocess.run(
        [sox, "-q", str(raw), "-r", str(sample_rate), *enc, "-c", "1", str(out)],
        check=True,
        capture_output=True,
    )
    raw.unlink()
    return out


DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def spoken_ssn(ssn: str) -> str:
    """'287-65-4310' → 'two eight seven, six five, four three one zero' (how a caller reads it)."""
    return ", ".join(" ".join(DIGIT_WORDS[int(c)] for c in group) for group in ssn.split("-"))
