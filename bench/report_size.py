"""Size and render time of every report format for synthetic scans (default 10,000 objects).

.venv/bin/python bench/report_size.py            # 10,000 objects
.venv/bin/python bench/report_size.py 100000     # the HTML must stay usable at this size
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from phiscope.report.render import write_reports
from phiscope.report.sample import make_report

FORMATS = ("json", "ocsf", "sarif", "csv", "html")


def main(sizes: list[int]) -> None:
    print(f"{'objects':>8} {'format':<8} {'bytes':>13} {'MB':>8} {'seconds':>8}")
    for n in sizes:
        report = make_report(n)
        rows = sum(len(o["detections"]) for o in report["objects"])
        print(f"{n:>8} {'':<8} {rows:>13,} (object, type) findings")
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            write_reports(report, Path(tmp), [])  # the stable phiscope-report.json alone
            print(f"{n:>8} {'(stable json, written with every call)':<8} {time.perf_counter() - t0:.2f} s")
            for fmt in FORMATS:
                t0 = time.perf_counter()
                path = write_reports(report, Path(tmp), [fmt])[fmt]
                dt = time.perf_counter() - t0
                size = path.stat().st_size
                print(f"{n:>8} {fmt:<8} {size:>13,} {size / 1e6:>8.2f} {dt:>8.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000])
