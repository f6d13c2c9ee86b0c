"""Extractors for scans, photos and call recordings (OCR and offline speech-to-text).

Entry points keep the `Extractor` shape (stream + context → items) so the dispatcher can route
images and audio here; `ocr_image` is what the PDF extractor calls (through `ctx.ocr_image`) for
pages without a text layer. Heavy engines load lazily, so importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, BinaryIO

from phiscope.extract import audio, ocr
from phiscope.extract.base import ExtractContext, Item, SkipObject
from phiscope.extract.spoken import Word, normalize_words
from phiscope.model import Location, Segment

if TYPE_CHECKING:
    from PIL import Image

LOW_OCR = "low OCR confidence"
_TIME = "time budget exceeded"
_COPY_CHUNK = 1 << 20
_CONTEXT_WORDS = 24  # words heard before an utterance that may hold its cue ("... security number? Sure.")


# --- availability and settings -------------------------------------------------------------------------


def ocr_available() -> bool:
    """Tesseract with English data is installed (cached)."""
    return ocr.available()


def asr_available() -> bool:
    """ffmpeg, faster-whisper and a model are present (cached; does not load the model)."""
    return audio.unavailable_reason() is None


def set_asr_model(path: str | os.PathLike[str] | None) -> None:
    """Use this model directory (the CLI's --asr-model); via the environment so workers inherit it."""
    if path is None:
        os.environ.pop(audio.ENV_MODEL, None)
    else:
        os.environ[audio.ENV_MODEL] = os.fspath(path)


# --- OCR -----------------------------------------------------------------------------------------------


def _page_items(page: ocr.OcrPage, ctx: ExtractContext, base: Location) -> Iterator[Item]:
    if page.words and page.confidence < ocr.LOW_CONFIDENCE:
        ctx.mark_partial(LOW_OCR)
    for line in page.lines:
        yield Segment(line.text, base.with_(bbox=line.bbox, line=line.line))


def _open_image(data: BinaryIO) -> Image.Image:
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        img = PILImage.open(data)
        img.load()
    except PILImage.DecompressionBombError:
        raise SkipObject("image too large to OCR") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise SkipObject("unreadable image") from None
    return img


def extract_image(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """PNG/JPEG/TIFF (every page)/BMP/WebP → one Segment per OCR'd text line, with page and box."""
    if not ctx.limits.ocr:
        raise SkipObject("OCR disabled")
    if not ocr.available():
        raise SkipObject("OCR not available: tesseract not installed")
    ctx.start_clock()
    img = _open_image(stream)
    n_pages = getattr(img, "n_frames", 1) if img.format in ("TIFF", "MPO") else 1
    if n_pages > ctx.limits.max_pages:
        ctx.mark_partial(f"only the first {ctx.limits.max_pages} pages read")
        n_pages = ctx.limits.max_pages
    workers = max(1, min(n_pages, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[tuple[int, Future[ocr.OcrPage]]] = deque()
        for k in range(n_pages):
            if ctx.out_of_time():
                ctx.mark_partial(_TIME)
                break
            if k:
                img.seek(k)
            pending.append((k + 1, pool.submit(ocr.ocr_pil, img.copy())))
            while len(pending) > workers or (pending and pending[0][1].done()):
                yield from _finish(pending.popleft(), ctx)
        while pending:
            yield from _finish(pending.popleft(), ctx)


def _finish(job: tuple[int, Future[ocr.OcrPage]], ctx: ExtractContext) -> Iterator[Item]:
    page_no, fut = job
    try:
        page = fut.result()
    except ocr.OcrError:
        ctx.mark_partial("OCR failed on a page")
        return
    yield from _page_items(page, ctx, ctx.base.with_(page=page_no))


def ocr_image(png_bytes: bytes, ctx: ExtractContext, location: Location) -> Iterator[Item]:
    """OCR one rendered page (PDF page without a text layer); `location` already names the page."""
    import io

    if not ctx.limits.ocr:
        ctx.mark_partial("OCR disabled: image-only page not read")
        return
    if not ocr.available():
        ctx.mark_partial("OCR not available: tesseract not installed")
        return
    if ctx.out_of_time():
        ctx.mark_partial(_TIME)
        return
    try:
        img = _open_image(io.BytesIO(png_bytes))
    except SkipObject as e:
        ctx.mark_partial(e.reason)
        return
    try:
        page = ocr.ocr_pil(img)
    except ocr.OcrError:
        ctx.mark_partial("OCR failed on a page")
        return
    yield from _page_items(page, ctx, location)


def extract_dicom_pixels(ds: Any, ctx: ExtractContext, base: Location) -> Iterator[Item]:
    """Burned-in text in a DICOM image (first frame): where names hide in screenshots and ultrasound."""
    if not ctx.limits.ocr:
        ctx.mark_partial("OCR disabled: burned-in text not read")
        return
    if not ocr.available():
        ctx.mark_partial("OCR not available: tesseract not installed")
        return
    if "PixelData" not in ds:
        return
    try:
        frame = dicom_frame_image(ds)
    except Exception:  # pydicom raises many types for missing decoders / corrupt pixel data
        ctx.mark_partial("DICOM pixel data not decodable")
        return
    try:
        page = ocr.ocr_pil(frame)
    except ocr.OcrError:
        ctx.mark_partial("OCR failed on a page")
        return
    yield from _page_items(page, ctx, base.with_(dicom_tag="(7FE0,0010) PixelData", page=1))


def dicom_frame_image(ds: Any) -> Image.Image:
    """First frame of a dataset's pixel data as an 8-bit image (MONOCHROME1 inverted)."""
    import numpy as np
    from PIL import Image as PILImage

    arr = np.asarray(ds.pixel_array)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        arr = arr[0]
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):
        return PILImage.fromarray(arr[..., :3].astype(np.uint8), mode="RGB")
    a = arr.astype(np.float32)
    lo, hi = float(a.min()), float(a.max())
    a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
    if str(ds.get("PhotometricInterpretation", "")) == "MONOCHROME1":
        a = 255.0 - a
    return PILImage.fromarray(a.astype(np.uint8), mode="L")


# --- audio ---------------------------------------------------------------------------------------------


def _spool(stream: BinaryIO, ctx: ExtractContext) -> str:
    """Copy to a temp file: ffmpeg needs a seekable input for MP4/M4A (index at the end)."""
    fd, path = tempfile.mkstemp(prefix="phiscope-audio-")
    limit = ctx.limits.max_read_bytes
    total = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(_COPY_CHUNK):
            total += len(chunk)
            if total > limit:
                out.write(chunk[: len(chunk) - (total - limit)])
                ctx.mark_partial("read limit reached")
                break
            out.write(chunk)
    return path


AUDIO_DECODE_MAX_S = 1800.0  # longest stretch of one recording decoded (~175 MB of samples)


def extract_audio(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """Call recording → normalised transcript segments with start/end seconds."""
    if not ctx.limits.audio:
        raise SkipObject("audio disabled")
    reason = audio.unavailable_reason()
    if reason is not None:
        raise SkipObject(f"speech-to-text not available: {reason}")
    ctx.start_clock()
    path = _spool(stream, ctx)
    try:
        # Decoded samples cost 6 bytes a second at 16 kHz (int16 from ffmpeg, then float32), and
        # voice detection more: a 6-hour recording of silence held 4.7 GB. Unless --audio-max-seconds
        # says otherwise, at most AUDIO_DECODE_MAX_S are decoded (a 1.5 GiB worker then suffices).
        max_s = ctx.limits.audio_max_seconds
        cap = AUDIO_DECODE_MAX_S if max_s is None else max_s
        try:
            samples = audio.decode(path, cap)
        except audio.DecodeError as e:
            raise SkipObject(f"audio {e}") from None
        total = audio.probe_duration(path)
        decoded = len(samples) / audio.SAMPLE_RATE
        if total is not None and total > cap + 0.5:
            ctx.mark_partial(f"only the first {cap:g} s transcribed")
        elif total is not None and decoded < total - 1.0:
            ctx.mark_partial(f"truncated: {decoded:.0f} s of a {total:.0f} s recording decodable")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    try:
        model = audio.get_model()
    except audio.AsrUnavailable as e:
        raise SkipObject(f"speech-to-text not available: {e}") from None
    heard = len(samples) / audio.SAMPLE_RATE
    last_end = 0.0
    previous: list[Word] = []
    for utt in audio.transcribe(model, samples, ctx.out_of_time):
        last_end = utt.end
        pieces = normalize_words(utt.words, context=previous)
        previous = (previous + utt.words)[-_CONTEXT_WORDS:]  # a cue may be two utterances back
        for seg in audio.split_segments(pieces):
            loc = ctx.base.with_(start_s=seg.start, end_s=seg.end)
            yield Segment(seg.text, loc, label=seg.label)
    if ctx.out_of_time() and last_end < heard - 1.0:
        ctx.mark_partial(_TIME)


def tools_report() -> dict[str, str | None]:
    """What the media extractors can use here, for `phiscope doctor`-style output (no content)."""
    return {
        "tesseract": ocr.tesseract_path(),
        "ocr_languages": "+".join(sorted(ocr.languages())) or None,
        "ffmpeg": shutil.which("ffmpeg"),
        "asr_unavailable_reason": audio.unavailable_reason(),
    }
