"""Conformance of detection on health data written by others: FHIR spec examples, pydicom's test
files, HL7 v2 messages from python-hl7/hl7apy, two Synthea CSV exports (bench/conformance/).

    .venv/bin/python bench/conformance.py [--kind fhir|dicom|hl7|synthea] [--misses] [--presidio]

Per kind: file precision/recall of "contains personal data" against the labels in
bench/conformance/labels/*.json (written by reading the files), the labelled types missed, how many
of the files that carry a patient identifier (FHIR Patient.identifier / member id, DICOM PatientID,
HL7 PID-3) had one reported, and people counted against the truth (Synthea: one per patient row).
With --presidio and presidio-analyzer importable (bench/presidio_env.sh), Presidio's file-level
verdict on the same files' extracted text, side by side. The DICOM files are pydicom's own, taken
from the installed wheel (nothing downloaded).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

if os.environ.get("PHISCOPE_PRESIDIO_SITE"):
    sys.path.append(os.environ["PHISCOPE_PRESIDIO_SITE"])

from phiscope.detect.engine import DetectionEngine
from phiscope.extract.base import ExtractContext, Limits, SkipObject
from phiscope.extract.dispatch import extract_object
from phiscope.impact.people import count_people
from phiscope.model import PERSON_CATEGORIES, ContentFindings, Segment, TableChunk

HERE = Path(__file__).resolve().parent / "conformance"
KINDS = ("fhir", "dicom", "hl7", "synthea")
PATIENT_ID_TYPES = frozenset(
    {
        "MEDICAL_RECORD_NUMBER",
        "US_SSN",
        "US_ITIN",
        "UK_NHS",
        "FR_NIR",
        "FR_INS",
        "US_MBI",
        "PASSPORT",
        "DRIVER_LICENSE",
    }
)


def dicom_root() -> Path:
    from pydicom.data import get_testdata_files

    return Path(os.path.commonpath(get_testdata_files()))


def files_of(kind: str) -> tuple[Path, dict[str, dict[str, Any]]]:
    labels = json.loads((HERE / "labels" / f"{kind}.json").read_text())
    root = dicom_root() if kind == "dicom" else HERE / kind
    return root, labels


def scan_file(engine: DetectionEngine, path: Path) -> tuple[ContentFindings, str | None, list[str]]:
    """Extract + detect one file as the scanner does; also the extracted text (for Presidio)."""
    data = path.read_bytes()
    ctx = ExtractContext(name=path.name, limits=Limits(ocr=False, audio=False))
    texts: list[str] = []

    def items() -> Any:
        for it in extract_object(io.BytesIO(data), ctx):
            if isinstance(it, Segment):
                texts.append(f"{it.label}: {it.text}" if it.label else it.text)
            elif isinstance(it, TableChunk):
                for row in it.rows[:2000]:
                    texts.append(", ".join(row))
            yield it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = engine.scan(items())
    except SkipObject as e:
        return ContentFindings(), e.reason, texts
    return found, ctx.content_type, texts


def personal(found: ContentFindings) -> bool:
    return any(s.category in PERSON_CATEGORIES for s in found.detections.values())


def prf(tp: int, fp: int, fn: int) -> tuple[float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r


def presidio_analyzer() -> Any | None:
    """Presidio's analyzer as bench/detect_accuracy.py runs it (defaults, best trained spaCy model
    installed), returning PHIscope type names; None when it is not importable."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from detect_accuracy import presidio_predict
    except ImportError:
        return None
    predict, note = presidio_predict("trained")
    if predict is not None:
        print(f"Presidio: {note}; text: the extracted segments and rows, {PRESIDIO_CHARS:,} chars per file")
    return predict


PRESIDIO_CHARS = 100_000
PRESIDIO_PERSONAL = frozenset(
    {"PERSON_NAME", "US_SSN", "PHONE", "EMAIL", "DRIVER_LICENSE", "PASSPORT", "UK_NHS", "CREDIT_CARD", "IBAN"}
)


def run_kind(kind: str, engine: DetectionEngine, show: bool, presidio: Any | None) -> dict[str, Any]:
    root, labels = files_of(kind)
    tp = fp = fn = tn = 0
    ptp = pfp = pfn = 0
    misses: Counter[str] = Counter()
    id_carry = id_found = 0
    people_truth = 0
    deid_files = deid_found = 0
    records: list[tuple[str, frozenset[str]]] = []
    wrong: list[str] = []
    t0 = time.perf_counter()
    for rel, lab in sorted(labels.items()):
        path = root / rel
        if not path.is_file():
            print(f"  missing: {rel}", file=sys.stderr)
            continue
        found, _ctype, texts = scan_file(engine, path)
        got = personal(found)
        want = bool(lab["personal"])
        tp += got and want
        fp += got and not want
        fn += want and not got
        tn += not got and not want
        if got != want:
            cats = sorted(f"{t}" for t, s in found.detections.items() if s.category in PERSON_CATEGORIES)
            wrong.append(f"  {'FP' if got else 'FN'} {rel} {cats}")
        types = set(found.detections)
        for t in lab.get("types", []):
            if t not in types:
                misses[t] += 1
                if show:
                    wrong.append(f"  miss {t} in {rel}")
        if lab.get("deidentified"):
            deid_files += 1
            deid_found += any(s.category == "deidentified" for s in found.detections.values())
        if lab.get("patient_id"):
            id_carry += 1
            id_found += bool(types & PATIENT_ID_TYPES)
        people_truth += int(lab.get("people", 0))
        records.extend((rel, frozenset(r)) for r in found.people)
        if presidio is not None:
            text = "\n".join(texts)[:PRESIDIO_CHARS]
            pgot = bool(text) and any(t in PRESIDIO_PERSONAL for _, _, t in presidio(text))
            ptp += pgot and want
            pfp += pgot and not want
            pfn += want and not pgot
    dt = time.perf_counter() - t0
    p, r = prf(tp, fp, fn)
    people = count_people(records)
    out: dict[str, Any] = {
        "kind": kind,
        "files": tp + fp + fn + tn,
        "personal": tp + fn,
        "precision": p,
        "recall": r,
        "misses": dict(misses),
        "patient_id": (id_found, id_carry),
        "people": (people.total, people_truth),
        "seconds": dt,
        "deidentified": (deid_found, deid_files),
    }
    if presidio is not None:
        out["presidio"] = prf(ptp, pfp, pfn)
    if show and wrong:
        print(f"[{kind}]")
        print("\n".join(wrong))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", choices=KINDS, action="append")
    ap.add_argument("--misses", action="store_true", help="list the files and types got wrong")
    ap.add_argument("--presidio", action="store_true", help="Presidio side by side (side venv)")
    a = ap.parse_args()
    engine = DetectionEngine(b"conformance-bench-key")
    presidio = presidio_analyzer() if a.presidio else None
    if a.presidio and presidio is None:
        print("presidio-analyzer not importable: run bench/presidio_env.sh", file=sys.stderr)
    rows = [run_kind(k, engine, a.misses, presidio) for k in (a.kind or KINDS)]
    print(
        f"{'kind':8} {'files':>5} {'pers.':>5} {'P':>5} {'R':>5}  {'patient id':>10}  {'people':>11}  "
        f"{'s':>5}  {'Presidio P/R':>12}  misses by type"
    )
    ok = True
    for o in rows:
        idf, idc = o["patient_id"]
        pc, pt = o["people"]
        pres = "{:.2f}/{:.2f}".format(*o["presidio"]) if "presidio" in o else "-"
        miss = ", ".join(f"{t} {n}" for t, n in sorted(o["misses"].items())) or "-"
        ppl = f"{pc}/{pt}" if pt else f"{pc}/-"
        print(
            f"{o['kind']:8} {o['files']:>5} {o['personal']:>5} {o['precision']:>5.2f} {o['recall']:>5.2f}  "
            f"{idf:>4}/{idc:<5}  {ppl:>11}  {o['seconds']:>5.1f}  {pres:>12}  {miss}"
        )
        ok = ok and o["precision"] >= 0.95 and o["recall"] >= 0.95 and (idc == 0 or idf >= 0.95 * idc)
        ok = ok and (pt == 0 or abs(pc - pt) <= 0.02 * pt)
    for o in rows:
        df, dn = o["deidentified"]
        if dn:
            print(
                f"{o['kind']}: {df} of {dn} files with PatientIdentityRemoved=YES reported as de-identified"
            )
    print("all kinds meet P, R >= 0.95, patient id >= 95 %, people within 2 %:", "yes" if ok else "no")
    return 0 if ok else 3


if __name__ == "__main__":
    raise SystemExit(main())
