"""Peak memory of one object that amplifies: a zip of CSV exports (millions of row records for a
few thousand people), scanned in-process through extract → detect like a worker does.

    .venv/bin/python bench/hostile_memory.py [--members 20] [--rows 100000] [--no-compact]

Prints the zip size, rows, distinct people kept and the process's peak RSS (ru_maxrss).
"""

from __future__ import annotations

import argparse
import io
import resource
import time
import zipfile


def build(members: int, rows: int, people: int = 2000) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for m in range(members):
            lines = ["patient_name,ssn,dob"]
            for i in range(rows):
                p = (i * 7 + m) % people
                ssn = f"{100 + p // 10000:03}-{10 + p // 100 % 90:02}-{1000 + p:04}"
                lines.append(f"Person{p} Surname{p},{ssn},1970-01-{1 + p % 28:02}")
            z.writestr(f"export-{m:03}.csv", "\n".join(lines))
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--no-compact", action="store_true", help="merge person records only at the end")
    a = ap.parse_args()
    from phiscope.detect import engine as eng
    from phiscope.detect.engine import DetectionEngine
    from phiscope.extract.base import ExtractContext
    from phiscope.extract.dispatch import extract_object

    if a.no_compact:
        eng.PEOPLE_COMPACT_AT = 1 << 62
    data = build(a.members, a.rows)
    e = DetectionEngine(b"b" * 32)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    f = e.scan(extract_object(io.BytesIO(data), ExtractContext(name="exports.zip")))
    took = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"zip {len(data) / 1e6:.1f} MB, {a.members * a.rows:,} rows, {len(f.people):,} person records kept")
    print(f"peak RSS {peak / 1024:.0f} MB (+{(peak - base) / 1024:.0f} MB for the object), {took:.1f} s")


if __name__ == "__main__":
    main()
