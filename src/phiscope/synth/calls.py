"""Short patient/nurse calls: espeak-ng speaks a script, sox makes 16 kHz PCM or 8 kHz mu-law WAV.

The patient says their name, their birth date in words ("March fourth, nineteen seventy two") and
their SSN digit by digit ("one two three, four five, six seven eight nine"), as callers do. espeak-ng
and sox (run with -R, repeatable) are deterministic, so the same seed gives the same bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from phiscope.synth.people import Person
from phiscope.synth.truth import Recorder

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ONES = (
    *DIGITS, "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORDINAL_ONES = (
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth",
)  # fmt: skip
_ORDINAL_TENS = {20: "twentieth", 30: "thirtieth"}
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

NURSE_VOICE = "en-us"
# Patients speak through flite's recorded-diphone voices when flite is installed: they sound closer to a
# human caller than espeak's formant voices (docs/audio.md measures both); espeak-ng is the fallback.
FLITE_PATIENT_VOICES = ("flite:rms", "flite:slt", "flite:awb", "flite:kal16")
ESPEAK_PATIENT_VOICES = ("en-us+f3", "en-us+m3", "en-us+f2", "en-us+m7")
PATIENT_VOICES = FLITE_PATIENT_VOICES if shutil.which("flite") else ESPEAK_PATIENT_VOICES


def number_words(n: int) -> str:
    """0..99 in words: 72 -> "seventy two"."""
    if not 0 <= n < 100:
        raise ValueError(f"out of range: {n}")
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")


def ordinal_words(n: int) -> str:
    """1..31 as an ordinal: 4 -> "fourth", 21 -> "twenty first"."""
    if not 1 <= n <= 31:
        raise ValueError(f"out of range: {n}")
    if n < 20:
        return _ORDINAL_ONES[n]
    if n in _ORDINAL_TENS:
        return _ORDINAL_TENS[n]
    tens, ones = divmod(n, 10)
    return f"{_TENS[tens]} {_ORDINAL_ONES[ones]}"


def year_words(y: int) -> str:
    """How a year is said: 1972 "nineteen seventy two", 1905 "nineteen oh five", 2003 "two thousand three"."""
    if 2000 <= y <= 2009:
        return "two thousand" + (f" {_ONES[y - 2000]}" if y > 2000 else "")
    hi, lo = divmod(y, 100)
    if lo == 0:
        return f"{number_words(hi)} hundred"
    if lo < 10:
        return f"{number_words(hi)} oh {_ONES[lo]}"
    return f"{number_words(hi)} {number_words(lo)}"


def spoken_date(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {ordinal_words(d.day)}, {year_words(d.year)}"


def spoken_digits(value: str) -> str:
    """'123-45-6789' -> 'one two three, four five, six seven eight nine' (groups become pauses)."""
    groups = [g for g in value.replace(" ", "-").split("-") if g]
    return ", ".join(" ".join(DIGITS[int(c)] for c in g) for g in groups)


def call_script(p: Person) -> list[tuple[str, str]]:
    """(speaker, line) turns of one call; speaker is "nurse" or "patient"."""
    assert p.ssn is not None
    dx = p.conditions[0]
    return [
        ("nurse", "MedCall nurse line. May I have your full name?"),
        ("patient", f"My name is {p.name}."),
        ("nurse", "Your date of birth?"),
        ("patient", f"{spoken_date(p.dob)}."),
        ("nurse", "And your social security number?"),
        ("patient", f"{spoken_digits(p.ssn)}."),
        ("nurse", "What is the reason for your call?"),
        ("patient", f"{dx.lay}."),
    ]


def tools_available() -> str | None:
    """None when the call tools are installed, else the reason they cannot be used."""
    missing = [t for t in ("espeak-ng", "sox") if shutil.which(t) is None]
    return f"{' and '.join(missing)} not installed" if missing else None


def render_call(script: list[tuple[str, str]], out: Path, *, patient_voice: str, telephone: bool) -> None:
    """Speak each turn, join them with short pauses, write 16 kHz PCM or 8 kHz mu-law (telephone)."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak is None or sox is None:
        raise RuntimeError("espeak-ng and sox are needed to render calls")
    with tempfile.TemporaryDirectory(prefix="phiscope-call-") as tmp:
        parts: list[str] = []
        pause = Path(tmp) / "pause.wav"
        subprocess.run(
            [sox, "-R", "-n", "-r", "22050", "-b", "16", "-c", "1", str(pause), "trim", "0", "0.3"],
            check=True,
            capture_output=True,
        )
        for i, (speaker, line) in enumerate(script):
            wav = Path(tmp) / f"turn{i:02d}.wav"
            voice = NURSE_VOICE if speaker == "nurse" else patient_voice
            rate = "185" if speaker == "nurse" else "155"
            if voice.startswith("flite:"):
                raw = Path(tmp) / f"turn{i:02d}-flite.wav"
                cmd = ["flite", "-voice", voice.split(":", 1)[1], "-t", line, "-o", str(raw)]
                subprocess.run(cmd, check=True, capture_output=True)
                # sox joins only files of one rate: bring flite's 8/16 kHz to espeak's 22.05 kHz
                cmd = [sox, "-R", str(raw), "-r", "22050", "-b", "16", "-c", "1", str(wav)]
            else:
                cmd = [espeak, "-v", voice, "-s", rate, "-w", str(wav), line]
            subprocess.run(cmd, check=True, capture_output=True)
            parts += [str(wav), str(pause)]
        enc = (
            ["-r", "8000", "-e", "mu-law", "-b", "8"]
            if telephone
            else ["-r", "16000", "-e", "signed-integer", "-b", "16"]
        )
        subprocess.run([sox, "-R", *parts, *enc, "-c", "1", str(out)], check=True, capture_output=True)


def write_call(
    rec: Recorder, bucket: str, key: str, p: Person, *, patient_voice: str, telephone: bool
) -> None:
    render_call(call_script(p), rec.path(bucket, key), patient_voice=patient_voice, telephone=telephone)
    record_call(rec, bucket, key, p, telephone=telephone)


def record_call(rec: Recorder, bucket: str, key: str, p: Person, *, telephone: bool) -> None:
    """The ground truth of one call: what the patient said, spelt as spoken and as written."""
    note = rec.note(bucket, key, "wav-mulaw-8k" if telephone else "wav-pcm-16k")
    rec.person(
        note,
        p.pid,
        [
            ("PERSON_NAME", p.name),
            ("DATE_OF_BIRTH", spoken_date(p.dob)),
            ("US_SSN", spoken_digits(p.ssn or "")),
        ],
        health=True,
    )
    rec.also("US_SSN", p.ssn or "")
    rec.also("DATE_OF_BIRTH", p.dob.strftime("%m/%d/%Y"))
    rec.also("DATE_OF_BIRTH", f"{MONTHS[p.dob.month - 1]} {p.dob.day}, {p.dob.year}")
