"""Tesseract OCR: page image → text lines with their bounding boxes and a confidence.

Tesseract runs as a subprocess (the Debian `tesseract-ocr` binary) with `OMP_THREAD_LIMIT=1`: one
single-threaded process per core scales better than one process using all cores, and a global
semaphore caps concurrent processes at the core count however many extractors run at once.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

# Page segmentation mode, chosen by measurement (bench/media.py, docs/ocr.md): 3 (automatic layout)
# reads forms with label/value columns and scanned letters as well as 4/6/11, at equal speed.
DEFAULT_PSM = 3
LOW_CONFIDENCE = 60.0  # mean word confidence (0-100) below which a page is reported "partial"
_TARGET_MIN_SIDE = 1400  # upscale pages whose longer side is smaller than this (tiny screenshots)
_MAX_UPSCALE = 3.0
_TIMEOUT_S = 120.0

_slots = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One text line in original-image pixel coordinates."""

    text: str
    bbox: tuple[int, int, int, int]  # left, top, width, height
    confidence: float  # mean word confidence, 0-100
    line: int  # 1-based line number in the page, reading order


@dataclass(frozen=True, slots=True)
class OcrPage:
    lines: list[OcrLine]
    confidence: float  # mean over words weighted by length; 100 when the page has no words
    words: int


class OcrError(Exception):
    """Tesseract failed on this image (message holds no page content)."""


@functools.cache
def tesseract_path() -> str | None:
    return shutil.which("tesseract")


@functools.cache
def languages() -> frozenset[str]:
    """Languages whose traineddata is installed ('eng', 'fra', ...)."""
    exe = tesseract_path()
    if exe is None:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in out.stdout.splitlines()[1:] if line.strip())


def available() -> bool:
    return tesseract_path() is not None and "eng" in languages()


def language_setting() -> str:
    """`PHISCOPE_OCR_LANG` (e.g. 'eng+fra'), restricted to the installed languages; default 'eng'."""
    wanted = os.environ.get("PHISCOPE_OCR_LANG", "eng").split("+")
    have = [lang for lang in wanted if lang in languages()]
    return "+".join(have) or "eng"


# --- preprocessing ---------------------------------------------------------------------------------------


def prepare(img: Image.Image) -> tuple[Image.Image, float]:
    """Grayscale, flatten alpha onto white, upscale small images; returns (image, scale)."""
    from PIL import Image as PILImage

    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = PILImage.alpha_composite(bg, rgba)
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        img = _to_8bit(img)
    gray = img.convert("L") if img.mode != "L" else img
    longest = max(gray.size)
    scale = 1.0
    if 0 < longest < _TARGET_MIN_SIDE:
        scale = min(_MAX_UPSCALE, _TARGET_MIN_SIDE / longest)
        size = (round(gray.width * scale), round(gray.height * scale))
        gray = gray.resize(size, PILImage.Resampling.BICUBIC)
    return gray, scale


def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit / float images (DICOM, scientific TIFF) → 8-bit with a min-max stretch."""
    import numpy as np
    from PIL import Image as PILImage

    a = np.asarray(img, dtype=np.float32)
    lo, hi = float(a.min()), float(a.max())
    a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
    return PILImage.fromarray(a.astype(np.uint8), mode="L")


def estimate_skew(gray: Image.Image, max_angle: float = 5.0, step: float = 0.5) -> float:
    """Skew angle (degrees) by the projection-profile method on a small binarised copy.

    Cheap (a few ms on a 600 px thumbnail); text lines align with rows when the row-sum profile is
    sharpest. Returns 0.0 for pages without enough ink to judge.
    """
    import numpy as np
    from PIL import Image as PILImage

    thumb = gray.copy()
    thumb.thumbnail((500, 500))
    a = np.asarray(thumb, dtype=np.uint8)
    ink = a < 128
    if ink.mean() < 0.005:
        return 0.0
    mask = PILImage.fromarray((ink * 255).astype(np.uint8))

    def sharpness(angle: float) -> float:
        rot = np.asarray(mask.rotate(angle, resample=PILImage.Resampling.NEAREST, expand=False))
        return float(np.square(np.diff(rot.sum(axis=1, dtype=np.float64))).sum())

    # coarse pass in 2*step increments, then refine around the best: ~13 rotations instead of 21
    coarse = [k * 2 * step for k in range(-round(max_angle / (2 * step)), round(max_angle / (2 * step)) + 1)]
    best = max(coarse, key=sharpness)
    best = max((best - step, best, best + step), key=sharpness)
    return best


def deskew(gray: Image.Image) -> tuple[Image.Image, float]:
    from PIL import Image as PILImage

    angle = estimate_skew(gray)
    if abs(angle) < 0.75:
        return gray, 0.0
    return gray.rotate(angle, resample=PILImage.Resampling.BICUBIC, expand=False, fillcolor=255), angle


# --- running tesseract -------------------------------------------------------------------------------------


def _png(gray: Image.Image) -> bytes:
    """Grayscale PNG at deflate level 1: Tesseract reads stdin slowly, so the smaller input wins over
    uncompressed PGM (measured per page: PGM 325 ms, PNG level 1 276 ms, level 6 283 ms, bare
    `tesseract page.png` 303 ms; docs/ocr.md)."""
    buf = io.BytesIO()
    gray.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def run_tesseract(gray: Image.Image, psm: int = DEFAULT_PSM, lang: str | None = None) -> str:
    """Tesseract TSV output for an 8-bit grayscale image."""
    exe = tesseract_path()
    if exe is None:
        raise OcrError("tesseract not installed")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    cmd = [exe, "stdin", "stdout", "-l", lang or language_setting(), "--psm", str(psm), "tsv"]
    with _slots:
        try:
            proc = subprocess.run(
                cmd, input=_png(gray), capture_output=True, timeout=_TIMEOUT_S, env=env, check=False
            )
        except subprocess.TimeoutExpired as e:
            raise OcrError("tesseract timed out") from e
    if proc.returncode != 0:
        raise OcrError(f"tesseract exited with status {proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str, scale: float = 1.0) -> OcrPage:
    """Tesseract TSV → lines (word boxes merged), coordinates divided back by `scale`."""
    groups: dict[tuple[int, int, int], list[tuple[str, int, int, int, int, float]]] = {}
    order: list[tuple[int, int, int]] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        try:
            key = (int(cols[2]), int(cols[3]), int(cols[4]))
            box = (int(cols[6]), int(cols[7]), int(cols[8]), int(cols[9]))
            conf = float(cols[10])
        except ValueError:
            continue
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((text, *box, conf))
    lines: list[OcrLine] = []
    total_w = 0.0
    total_c = 0.0
    n_words = 0
    for n, key in enumerate(order, start=1):
        words = groups[key]
        left = min(w[1] for w in words)
        top = min(w[2] for w in words)
        right = max(w[1] + w[3] for w in words)
        bottom = max(w[2] + w[4] for w in words)
        weights = [len(w[0]) for w in words]
        conf = sum(w[5] * k for w, k in zip(words, weights, strict=True)) / max(1, sum(weights))
        total_w += sum(weights)
        total_c += conf * sum(weights)
        n_words += len(words)
        bbox = (
            round(left / scale),
            round(top / scale),
            round((right - left) / scale),
            round((bottom - top) / scale),
        )
        lines.append(OcrLine(" ".join(w[0] for w in words), bbox, conf, n))
    return OcrPage(lines, total_c / total_w if total_w else 100.0, n_words)


def ocr_pil(img: Image.Image, psm: int = DEFAULT_PSM, do_deskew: bool = True) -> OcrPage:
    """Preprocess and OCR one page image."""
    gray, scale = prepare(img)
    if do_deskew:
        gray, _ = deskew(gray)
    return parse_tsv(run_tesseract(gray, psm=psm), scale)
