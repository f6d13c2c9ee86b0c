"""Extraction throughput per format on generated data: prints MB/s (input bytes) and items/s.

Run: .venv/bin/python bench/extract.py [--scale N]   (scale 1 ≈ a few MB per format, ~1 min on 2 cores)
Measures extract_object alone (sniffing + parsing + segment building), no detection.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "extract"))

import extract_synth as S

from phiscope.extract.base import ExtractContext, Limits
from phiscope.extract.dispatch import extract_object


def _log(n: int) -> bytes:
    return b"".join(
        b"2024-01-05T10:15:%02d.123Z INFO api request patient=%d ssn=287-65-4310 status=200 path=/v1/rec\n"
        % (i % 60, i)
        for i in range(n)
    )


def _ndjson(n: int) -> bytes:
    out = []
    for i in range(n):
        f, last, ssn, dob, email = S.PATIENTS[i % 3]
        rec = {
            "resourceType": "Patient",
            "id": str(i),
            "name": [{"family": last, "given": [f]}],
            "birthDate": dob,
        }
        rec["identifier"] = [{"system": "http://hl7.org/fhir/sid/us-ssn", "value": ssn}]
        rec["telecom"] = [{"system": "email", "value": email}]
        out.append(json.dumps(rec))
    return ("\n".join(out) + "\n").encode()


def _json(n: int) -> bytes:
    return json.dumps(
        {"records": [dict(zip(S.HEADER, S.PATIENTS[i % 3], strict=True)) for i in range(n)]}
    ).encode()


def _xml(n: int) -> bytes:
    rows = "".join(
        f"<patient id='{i}'><name>{p[0]} {p[1]}</name><ssn>{p[2]}</ssn><birthTime v='{p[3]}'/></patient>\n"
        for i, p in ((i, S.PATIENTS[i % 3]) for i in range(n))
    )
    return f"<?xml version='1.0'?><patients>{rows}</patients>".encode()


def _html(n: int) -> bytes:
    rows = "".join(
        f"<tr><td>{p[0]} {p[1]}</td><td>{p[2]}</td><td>{p[3]}</td></tr>\n" for p in S.PATIENTS * (n // 3)
    )
    return f"<html><head><script>var x=1;</script></head><body><table>{rows}</table></body></html>".encode()


def _docx(paras: int) -> bytes:
    from docx import Document

    d = Document()
    for i in range(paras):
        p = S.PATIENTS[i % 3]
        d.add_paragraph(f"Visit {i}: {p[0]} {p[1]} (DOB {p[3]}) reports improvement; SSN on file {p[2]}.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _dicoms(n: int) -> bytes:
    return S.tar_gz_of({f"study/IM{i:05d}.dcm": S.dicom(preamble=bool(i % 2)) for i in range(n)})


def cases(scale: int) -> list[tuple[str, Callable[[], bytes]]]:
    return [
        ("csv (header)", lambda: S.many_rows(100_000 * scale)),
        ("csv (headerless ;)", lambda: S.many_rows(100_000 * scale, delim=";").split(b"\n", 1)[1]),
        ("tsv", lambda: S.many_rows(100_000 * scale, delim="\t")),
        ("text/log", lambda: _log(100_000 * scale)),
        ("json", lambda: _json(50_000 * scale)),
        ("ndjson (FHIR)", lambda: _ndjson(20_000 * scale)),
        (
            "fhir bundle",
            lambda: json.dumps(
                {
                    "resourceType": "Bundle",
                    "entry": [{"resource": json.loads(x)} for x in _ndjson(20_000 * scale).splitlines()],
                }
            ).encode(),
        ),
        ("xml", lambda: _xml(50_000 * scale)),
        ("html", lambda: _html(30_000 * scale)),
        ("hl7 v2", lambda: S.hl7() * (10_000 * scale)),
        ("pdf (text)", lambda: S.text_pdf(pages=100 * scale, lines=40)),
        ("pdf (AcroForm)", lambda: S.fillable_pdf(pages=100 * scale)),
        ("xlsx", lambda: S.xlsx(rows=30_000 * scale)),
        ("docx", lambda: _docx(5_000 * scale)),
        ("dicom (tar.gz of 300)", lambda: _dicoms(300 * scale)),
        ("zip of csv", lambda: S.zip_of({f"part{i}.csv": S.many_rows(20_000) for i in range(5 * scale)})),
        (
            "tar.gz of csv",
            lambda: S.tar_gz_of({f"part{i}.csv": S.many_rows(20_000) for i in range(5 * scale)}),
        ),
    ]


def measure(data: bytes) -> tuple[float, int, str]:
    ctx = ExtractContext(name="bench", limits=Limits(ocr=False, audio=False))
    t0 = time.perf_counter()
    n = 0
    for item in extract_object(io.BytesIO(data), ctx):
        n += len(item.rows) if hasattr(item, "rows") else 1
    return time.perf_counter() - t0, n, ctx.content_type or "?"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--only", default="", help="substring of the format names to run")
    args = ap.parse_args()
    print(f"{'format':24} {'size MB':>8} {'seconds':>8} {'MB/s':>8} {'items/s':>10}  items")
    for name, make in cases(args.scale):
        if args.only and args.only not in name:
            continue
        data = make()
        secs, n, _kind = measure(data)
        mb = len(data) / 1e6
        print(f"{name:24} {mb:8.2f} {secs:8.2f} {mb / secs:8.1f} {n / secs:10.0f}  {n}")


if __name__ == "__main__":
    main()
