"""Scans and call recordings: formats, determinism, OCR readability, and the espeak-ng-missing path."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from phiscope.synth import calls
from phiscope.synth.telehealth import RECORDINGS, SCANS, build
from phiscope.synth.truth import GroundTruth

HAVE_CALL_TOOLS = calls.tools_available() is None


def _media_build(out: Path) -> GroundTruth:
    return build(out, people=20, employers=3, calls=2, scans=2, audio=True, images=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    root = tmp_path_factory.mktemp("media") / "buckets"
    return root, _media_build(root)


def _wav_format(path: Path) -> tuple[int, int, int]:
    """(format tag, sample rate, bits per sample) from the RIFF fmt chunk."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    pos = 12
    while pos < len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if cid == b"fmt ":
            tag, _channels, rate = struct.unpack("<HHI", data[pos + 8 : pos + 16])
            bits = struct.unpack("<H", data[pos + 22 : pos + 24])[0]
            return tag, rate, bits
        pos += 8 + size + (size & 1)
    raise AssertionError("no fmt chunk")


def test_scans_are_png_and_image_only_pdf(media: tuple[Path, GroundTruth]) -> None:
    root, truth = media
    scans = [f for f in truth.files if f.bucket == SCANS]
    assert {f.kind for f in scans} == {"png-scan", "pdf-image-only"}
    for f in scans:
        data = (root / SCANS / f.key).read_bytes()
        assert f.contains_phi and f.identifiers["US_SSN"] == 1
        if f.kind == "png-scan":
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            page = PdfReader(root / SCANS / f.key).pages[0]
            assert page.extract_text().strip() == ""  # no text layer: only OCR can read it
            assert page.images, "the page holds the scanned image"


@pytest.mark.skipif(not HAVE_CALL_TOOLS, reason="espeak-ng/sox not installed")
def test_calls_are_16k_pcm_and_8k_mulaw(media: tuple[Path, GroundTruth]) -> None:
    root, truth = media
    recs = [f for f in truth.files if f.bucket == RECORDINGS]
    assert len(recs) == 2
    for f in recs:
        tag, rate, bits = _wav_format(root / RECORDINGS / f.key)
        if f.kind == "wav-pcm-16k":
            assert (tag, rate, bits) == (1, 16000, 16)
        else:
            assert f.kind == "wav-mulaw-8k" and (tag, rate, bits) == (7, 8000, 8)
        assert f.contains_phi and set(f.identifiers) == {"PERSON_NAME", "DATE_OF_BIRTH", "US_SSN"}
    spoken = [v for v in truth.sensitive_values["US_SSN"] if "," in v]
    assert len(spoken) == 2 and all(len(v.split()) == 9 for v in spoken)


@pytest.mark.skipif(not HAVE_CALL_TOOLS, reason="espeak-ng/sox not installed")
def test_media_build_is_byte_identical(tmp_path: Path, media: tuple[Path, GroundTruth]) -> None:
    _, truth = media
    again = _media_build(tmp_path / "buckets")
    assert {(f.bucket, f.key): f.sha256 for f in again.files} == {
        (f.bucket, f.key): f.sha256 for f in truth.files
    }


def test_missing_espeak_is_recorded_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(calls.shutil, "which", lambda name: None if name == "espeak-ng" else real_which(name))
    truth = build(tmp_path / "buckets", people=12, employers=2, calls=2, scans=0, audio=True, images=False)
    assert RECORDINGS not in truth.buckets
    assert any("espeak-ng not installed" in s for s in truth.skipped)
    assert not (tmp_path / "buckets" / RECORDINGS).exists()


def test_switches_off_media_without_touching_the_rest(
    tmp_path: Path, media: tuple[Path, GroundTruth]
) -> None:
    _, truth = media
    text_only = build(
        tmp_path / "buckets", people=20, employers=3, calls=2, scans=2, audio=False, images=False
    )
    assert {b for b in text_only.buckets} == set(truth.buckets) - {SCANS, RECORDINGS}
    assert len(text_only.skipped) == 2
    same = {(f.bucket, f.key): f.sha256 for f in text_only.files}
    assert same == {(f.bucket, f.key): f.sha256 for f in truth.files if f.bucket not in (SCANS, RECORDINGS)}


@pytest.mark.ocr
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_tesseract_reads_the_scanned_values(media: tuple[Path, GroundTruth]) -> None:
    root, truth = media
    f = next(f for f in truth.files if f.kind == "png-scan")
    out = subprocess.run(
        ["tesseract", str(root / SCANS / f.key), "-", "--dpi", "150"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ssns = [s for s in truth.sensitive_values["US_SSN"] if s in out]
    assert len(ssns) == 1
    assert any(n in out for n in truth.sensitive_values["PERSON_NAME"])
    assert hashlib.sha256((root / SCANS / f.key).read_bytes()).hexdigest() == f.sha256
