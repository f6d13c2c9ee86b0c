"""End-to-end scan throughput on generated text data, next to `cat` reading the same files.

    .venv/bin/python bench/scan.py [--sizes 50,100,200] [--workers 0] [--keep DIR]

For each size (MB) it generates a folder of mixed text formats (CSV, NDJSON, logs, HL7) with the
synthetic generator, times `cat` over all files (the I/O floor), then a full `phiscope scan` of the
folder (extraction + detection + database + report v1), and prints MB/s, objects/s and how time grows
with size. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path


def du(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def time_cat(path: Path) -> float:
    files = sorted(str(p) for p in path.rglob("*") if p.is_file())
    t0 = time.perf_counter()
    for i in range(0, len(files), 500):
        subprocess.run(["cat", *files[i : i + 500]], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def time_scan(path: Path, workers: int) -> tuple[float, dict]:
    from phiscope.db.store import Store
    from phiscope.scan.pipeline import ScanConfig, Scanner
    from phiscope.scan.report import build_report

    with tempfile.TemporaryDirectory() as tmp:
        db = Store.open(f"sqlite:///{tmp}/bench.db")
        cfg = ScanConfig(targets=[str(path)], workers=workers, secret=b"bench" * 8, full=True)
        t0 = time.perf_counter()
        scan_id = Scanner(cfg, db).run()
        report = build_report(db, scan_id)
        return time.perf_counter() - t0, report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="50,100,200")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    from phiscope.synth.telehealth import build_text_corpus

    base = args.keep or Path(tempfile.mkdtemp(prefix="phiscope-bench-"))
    rows = []
    print(f"cores: {os.cpu_count()}  workers: {args.workers or os.cpu_count()}")
    print(
        f"{'MB':>6} {'files':>6} {'cat s':>7} {'cat MB/s':>9} {'scan s':>7} {'scan MB/s':>9} "
        f"{'obj/s':>7} {'findings':>9} {'people':>7}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        folder = base / f"corpus-{size}mb"
        if not folder.exists():
            build_text_corpus(folder / "bench-bucket", megabytes=size, seed=size)
        nbytes, nfiles = du(folder)
        mb = nbytes / 1e6
        cat_s = time_cat(folder)
        scan_s, report = time_scan(folder, args.workers)
        findings = sum(sum(b["detections_by_type"].values()) for b in report["buckets"])
        rows.append((mb, scan_s))
        print(
            f"{mb:6.0f} {nfiles:6d} {cat_s:7.2f} {mb / cat_s:9.0f} {scan_s:7.1f} {mb / scan_s:9.2f} "
            f"{nfiles / scan_s:7.1f} {findings:9d} {report['impact']['people_affected']:7d}"
        )
    if len(rows) >= 2:
        (m0, t0), (m1, t1) = rows[0], rows[-1]
        print(f"growth: {m1 / m0:.1f}x data -> {t1 / t0:.2f}x time (linear = {m1 / m0:.1f}x)")
    if args.keep is None:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
