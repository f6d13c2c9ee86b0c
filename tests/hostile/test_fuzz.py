"""Fuzzed variants of each extractor's input (Hypothesis): whatever the bytes, one object ends with
a status and no exception escapes the worker's handling; what it reports never quotes the content.

Each format starts from a valid seed holding known values; Hypothesis flips, cuts, inserts and
repeats bytes. Examples are capped so the whole module stays within CI's time budget.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from corpus import NAME_A, SSN_A, _dicom, _xlsx_with_gap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phiscope.extract.base import Limits
from phiscope.model import ObjectRef, Status
from phiscope.scan import worker

CSV = f"patient_name,ssn,dob\n{NAME_A},{SSN_A},1980-02-03\n".encode()


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buf.getvalue()


def _tar(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 700, f"Patient {NAME_A} SSN {SSN_A}")
    c.save()
    return buf.getvalue()


SEEDS = {
    "p.csv": lambda: CSV,
    "p.json": lambda: json.dumps({"patients": [{"name": NAME_A, "ssn": SSN_A}]}).encode(),
    "p.xml": lambda: f"<r><name>{NAME_A}</name><ssn>{SSN_A}</ssn></r>".encode(),
    "p.html": lambda: f"<html><body><p>{NAME_A} {SSN_A}</p></body></html>".encode(),
    "p.hl7": lambda: (
        f"MSH|^~\\&|A|B|C|D|202401011200||ADT^A01|1|P|2.5\rPID|1||{SSN_A}||Quinnell^Ada\r".encode()
    ),
    "p.xlsx": _xlsx_with_gap,
    "p.pdf": _pdf,
    "p.dcm": _dicom,
    "p.zip": lambda: _zip("in.csv", CSV),
    "p.tar": lambda: _tar("in.csv", CSV),
    "p.csv.gz": lambda: gzip.compress(CSV),
}


@pytest.fixture(scope="module", autouse=True)
def engine() -> None:
    worker.init_worker(b"f" * 32, Limits(max_seconds=10.0, ocr=False, audio=False))


def mutate(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    b = bytearray(data)
    for kind, pos, val in ops:
        if not b:
            break
        i = pos % len(b)
        if kind == 0:
            b[i] = val
        elif kind == 1:
            del b[i:]
        elif kind == 2:
            b[i:i] = bytes([val]) * (1 + val % 64)
        else:
            b[i:i] = b[i : i + 1 + val]  # repeat a slice
    return bytes(b)


OPS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1 << 20), st.integers(0, 255)), max_size=6)


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_fuzzed_input_always_ends_with_a_status(name: str, ops: list, tmp_path: Path) -> None:
    data = mutate(SEEDS[name](), ops)
    path = tmp_path / name
    path.write_bytes(data)
    job = worker.Job(ObjectRef("b", name, len(data)), str(path), len(data), False, delete_after=False)
    r = worker.process(job)
    assert r.status in (Status.COMPLETE, Status.PARTIAL, Status.SKIPPED)
    assert "internal error" not in (r.reason or ""), (name, r.reason)
    for raw in (SSN_A, NAME_A, "Quinnell"):
        assert raw not in (r.reason or "")
    assert r.seconds < 20
