"""Speech-to-text extractor on calls the tests synthesise with flite (telephone 8 kHz mu-law).

flite's `rms` voice rather than espeak-ng: Whisper mishears espeak's formant digits ("three two zero" →
"free to do near"), which says nothing about human callers (docs/audio.md, bench/media.py).
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from media_synth import speak, spoken_ssn

from phiscope.detect.engine import DetectionEngine
from phiscope.extract import audio
from phiscope.extract.base import ExtractContext, Limits, SkipObject
from phiscope.extract.media import asr_available, extract_audio
from phiscope.model import Segment

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(
        not asr_available() or shutil.which("flite") is None or shutil.which("sox") is None,
        reason=f"speech-to-text unavailable: {audio.unavailable_reason()}",
    ),
]

SSN = "287-65-4310"  # invented
VOICE = "flite:rms"
CALL = (
    "Hello, this is the billing office at Lakeview Clinic. "
    "Can I have your social security number please? "
    f"Sure. It is {spoken_ssn(SSN)}. "
    "Thank you. And when were you born? "
    "I was born on March fourteenth, nineteen seventy two. "
    "Thank you, goodbye."
)


@pytest.fixture(scope="module")
def call_8k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speak(CALL, tmp_path_factory.mktemp("calls") / "call.wav", voice=VOICE)


def _run(data: bytes, **limits: object) -> tuple[list[Segment], ExtractContext]:
    ctx = ExtractContext("call.wav", limits=Limits(**limits))  # type: ignore[arg-type]
    segs = [s for s in extract_audio(io.BytesIO(data), ctx) if isinstance(s, Segment)]
    return segs, ctx


def test_spoken_ssn_and_dob_come_back_normalised_with_tight_timestamps(call_8k: Path) -> None:
    segs, ctx = _run(call_8k.read_bytes())
    assert ctx.partial_reasons == []
    ssn = next(s for s in segs if SSN in s.text)
    dob = next(s for s in segs if re.search(r"March 14, 1972", s.text))
    duration = audio.probe_duration(call_8k)
    assert duration is not None
    for seg in (ssn, dob):
        start, end = seg.location.start_s, seg.location.end_s
        assert start is not None and end is not None
        assert 0 < start < end <= duration + 0.5
    # the number span is its own segment: its times cover the ~5 s the digits take, not the call
    assert ssn.location.end_s - ssn.location.start_s < 8.0  # type: ignore[operator]
    assert ssn.location.start_s < dob.location.start_s  # type: ignore[operator]
    assert ssn.label == "social security number"
    assert dob.label == "date of birth"


def test_detector_reports_ssn_with_seconds_and_masks_it(call_8k: Path) -> None:
    segs, _ = _run(call_8k.read_bytes())
    findings = DetectionEngine(b"k" * 32).scan(segs)
    summary = findings.detections["US_SSN"]
    assert summary.masked_examples == ["***-**-4310"]
    loc = summary.locations[0]
    assert loc.start_s is not None and loc.end_s is not None
    assert SSN not in repr(findings)


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("call.flac", []),
        ("call.mp3", []),
        ("call.ogg", []),
        ("call.opus", ["-c:a", "libopus"]),
        ("call.m4a", ["-c:a", "aac"]),
        ("alaw.wav", ["-c:a", "pcm_alaw"]),
        ("gsm.wav", ["-c:a", "libgsm_ms"]),
        ("adpcm.wav", ["-c:a", "adpcm_ms"]),
        ("ima.wav", ["-c:a", "adpcm_ima_wav"]),
        ("call.wma", ["-c:a", "wmav2"]),
    ],
)
def test_call_recording_formats_decode(call_8k: Path, tmp_path: Path, name: str, codec: list[str]) -> None:
    import subprocess

    out = tmp_path / name
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(call_8k), *codec, str(out)]
    if subprocess.run(cmd, check=False).returncode != 0:
        pytest.skip(f"this ffmpeg cannot encode {name} ({' '.join(codec)})")
    samples = audio.decode(out)
    assert abs(len(samples) / audio.SAMPLE_RATE - (audio.probe_duration(call_8k) or 0)) < 0.2
    assert float(abs(samples).max()) > 0.05  # sound, not silence


def test_audio_max_seconds_transcribes_only_the_start(call_8k: Path) -> None:
    segs, ctx = _run(call_8k.read_bytes(), audio_max_seconds=4.0)
    assert any(r == "only the first 4 s transcribed" for r in ctx.partial_reasons)
    assert all((s.location.end_s or 0) <= 4.5 for s in segs)
    assert not any(SSN in s.text for s in segs)


def test_out_of_time_stops_and_marks_partial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # longer than one 30 s recogniser window, and one window per batch: the budget is checked
    # between batches, so the first batch cannot cover the whole call
    monkeypatch.setattr(audio, "FIRST_PASS_BATCH", 1)
    long_call = speak(f"{CALL} {CALL}", tmp_path / "long.wav", voice=VOICE)
    ctx = ExtractContext("call.wav", deadline=0.0)  # already past
    segs = list(extract_audio(io.BytesIO(long_call.read_bytes()), ctx))
    assert "time budget exceeded" in ctx.partial_reasons
    duration = audio.probe_duration(long_call)
    assert duration is not None
    # stopped after the first recogniser window: the end of the call was never transcribed
    assert max(s.location.end_s or 0.0 for s in segs if isinstance(s, Segment)) < duration - 5.0


def test_disabled_missing_model_and_garbage() -> None:
    with pytest.raises(SkipObject, match=r"^audio disabled$"):
        _run(b"RIFF....", audio=False)
    with pytest.raises(SkipObject, match=r"^audio not decodable as audio$"):
        _run(b"this is not audio at all, only text" * 10)


def test_missing_model_skips_with_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audio.ENV_MODEL, str(tmp_path / "nowhere"))
    with pytest.raises(SkipObject, match=r"^speech-to-text not available: .*no model\.bin$"):
        _run(b"RIFF")


def test_checksum_mismatch_refuses_model(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"not the pinned weights")
    spec = audio.ModelSpec(tmp_path, "fake", {"model.bin": "0" * 64})
    with pytest.raises(audio.AsrUnavailable, match="SHA-256"):
        audio.verify(spec)


def test_packaged_model_is_verified() -> None:
    spec = audio.find_model()
    assert spec.sha256  # a third-party package's files carry recorded digests
    audio.verify(spec)


def test_models_are_selectable_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audio.ENV_MODEL, "no-such-model-key")
    with pytest.raises(audio.AsrUnavailable, match=r"no model\.bin"):
        audio.find_model()
    for key in ("base", "tiny.en"):
        monkeypatch.setenv(audio.ENV_MODEL, key)
        try:
            spec = audio.find_model()
        except audio.AsrUnavailable as e:
            assert "not installed" in str(e)
            continue
        assert spec.sha256 and (spec.path / "model.bin").is_file()


def _fake_split_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tamper: bool) -> list[Path]:
    """Two tiny 'packages' holding halves of a model.bin, listed like the real split model."""
    import hashlib
    import sys

    halves = [b"\x01" * 1000, b"\x02" * 777]
    for k, half in enumerate(halves, 1):
        pkg = tmp_path / "site" / f"fakepart{k}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"model.bin.part{k}").write_bytes(half)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (tmp_path / "site" / "fakepart1" / "data" / name).write_text(name)
    digest = {
        n: hashlib.sha256(n.encode()).hexdigest() for n in ("config.json", "tokenizer.json", "vocabulary.txt")
    }
    digest["model.bin"] = hashlib.sha256(b"".join(halves)).hexdigest()
    if tamper:
        (tmp_path / "site" / "fakepart2" / "data" / "model.bin.part2").write_bytes(b"\x03" * 777)
    entry = {
        "name": "fake split model",
        "key": "fake",
        "install_dir": "fake",
        "parts": [
            {
                "package": f"fakepart{k}",
                "file": f"data/model.bin.part{k}",
                "sha256": hashlib.sha256(half).hexdigest(),
            }
            for k, half in enumerate(halves, 1)
        ],
        "copy": {
            "package": "fakepart1",
            "subdir": "data",
            "files": ["config.json", "tokenizer.json", "vocabulary.txt"],
        },
        "sha256": digest,
    }
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for k in (1, 2):
        sys.modules.pop(f"fakepart{k}", None)
    monkeypatch.setattr(audio, "_known_models", lambda: [entry])
    monkeypatch.setenv(audio.ENV_HOME, str(tmp_path / "home"))
    monkeypatch.delenv(audio.ENV_MODEL, raising=False)
    return [tmp_path / "home" / "fake"]


def test_install_model_joins_and_verifies_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = _fake_split_model(tmp_path, monkeypatch, tamper=False)
    assert audio.install_model() == want
    assert (want[0] / "model.bin").read_bytes() == b"\x01" * 1000 + b"\x02" * 777
    spec = audio.find_model("fake")
    assert spec.path == want[0]
    audio.verify(spec)
    assert audio.install_model() == want  # idempotent: verified, not rebuilt


def test_install_model_refuses_a_tampered_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_split_model(tmp_path, monkeypatch, tamper=True)
    with pytest.raises(audio.AsrUnavailable, match="fakepart2 failed its SHA-256 check"):
        audio.install_model()
    assert not (tmp_path / "home" / "fake").exists()
    assert [p.name for p in (tmp_path / "home").iterdir()] == []  # no half-written model left behind


def test_without_vad_the_call_is_cut_every_30_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHISCOPE_ASR_VAD", "0")
    long_call = speak(f"{CALL} {CALL}", tmp_path / "long.wav", voice=VOICE)  # > 30 s: two chunks
    segs, ctx = _run(long_call.read_bytes())
    assert ctx.partial_reasons == []
    duration = audio.probe_duration(long_call)
    assert duration is not None and duration > 30
    hits = [s for s in segs if SSN in s.text]
    assert len(hits) == 2  # read out twice, once per half
    # times are call times across the cut, not chunk times
    assert hits[0].location.start_s < duration / 2 < hits[1].location.start_s  # type: ignore[operator]
