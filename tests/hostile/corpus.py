"""Build the hostile corpus: every case of issue 21 beside canary objects, in a folder to scan.

Each case is (key, what the scan must record). Canaries are ordinary files with known identifiers:
they must come out complete with their findings whatever their hostile neighbours do. Raw values
used anywhere here are listed in RAW so a test can grep every output for them.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

SSN_A, SSN_B, SSN_KEY, SSN_DICOM = "123-45-6789", "234-56-7890", "655-15-0410", "760-36-4013"
SSN_JSON_KEY, SSN_MEMBER = "591-42-7781", "612-33-9014"
NAME_A = "Ada Quinnell"
RAW = (SSN_A, SSN_B, SSN_KEY, SSN_DICOM, SSN_JSON_KEY, SSN_MEMBER, NAME_A)
CSV = f"patient_name,ssn\n{NAME_A},{SSN_A}\nBo Stanton,{SSN_B}\n".encode()


@dataclass(frozen=True)
class Case:
    key: str  # as the report shows it
    status: str  # complete | partial | skipped
    findings: bool  # `kind` expected among the detections
    reason: str | None = None  # a word the status reason must contain
    kind: str = "US_SSN"


def _xlsx_with_gap() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["patient_name", "ssn"])
    ws.append([NAME_A, SSN_A])
    ws.append(["Bo Stanton", SSN_B])
    ws["A20000"] = "end"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _dicom_with_bad_is() -> bytes:
    """A DICOM whose IS element holds an SSN: pydicom warns `Invalid value for VR IS: '<it>'`."""
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    ds.PatientName = "Quinnell^Ada"
    ds.InstanceNumber = "999999999999"
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue().replace(b"999999999999", (SSN_DICOM + " ").encode())


def _xlsx_huge_span(far: str) -> bytes:
    """Two cells far apart (A1 and `far`) on one sheet, a canary table on another."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "big"
    ws["A1"], ws[far] = "a", "z"
    ok = wb.create_sheet("patients")
    ok.append(["patient_name", "ssn"])
    ok.append([NAME_A, SSN_A])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _pdf_flate_bomb() -> bytes:
    """A ~300 KB PDF whose page content inflates to 300 MB (text first, then blanks)."""
    import zlib

    z = zlib.compressobj(9)
    parts = [z.compress(f"BT /F1 12 Tf 72 700 Td ({NAME_A} SSN {SSN_A}) Tj ET\n".encode())]
    blank = b" " * (16 * 1024**2)
    parts += [z.compress(blank) for _ in range(19)]
    parts.append(z.flush())
    content = b"".join(parts)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    for i, o in enumerate(objs, 1):
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    out += b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return bytes(out)


def _truncated_flac(tmp: Path) -> bytes | None:
    """A 6 s FLAC cut to a third: its header still declares 6 s. None without ffmpeg."""
    import math
    import shutil
    import struct
    import subprocess
    import wave

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    wav, flac = tmp / "tone.wav", tmp / "tone.flac"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 10))) for i in range(48000)))
    subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(wav), str(flac)], check=True)
    data = flac.read_bytes()
    wav.unlink()
    flac.unlink()
    return data[: len(data) // 3]


def _dicom(nested: int = 0, cut: int = 0) -> bytes:
    """A DICOM with PatientName first; `nested` open-ended sequences inside each other after it
    (deeper than pydicom's recursion allows), or the last `cut` bytes cut off."""
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.5"
    ds.PatientName = "Quinnell^Ada"
    ds.PatientComments = "Ada Quinnell, SSN " + SSN_A + " " + "x" * 200
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    data = buf.getvalue()
    body = b""
    for _ in range(nested):  # (0040,0275) SQ, undefined length, one undefined-length item
        body = b"\x40\x00\x75\x02SQ\x00\x00\xff\xff\xff\xff\xfe\xff\x00\xe0\xff\xff\xff\xff" + body
        body += b"\xfe\xff\x0d\xe0\x00\x00\x00\x00\xfe\xff\xdd\xe0\x00\x00\x00\x00"
    data += body
    return data[:-cut] if cut else data


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def build(root: Path) -> list[Case]:
    """Write the corpus under root/<bucket>/ and return what each object must end as."""
    b = root / "hostile"
    b.mkdir(parents=True)
    cases: list[Case] = []

    def put(name: str | bytes, data: bytes, case: Case) -> None:
        path = os.path.join(os.fsencode(b), os.fsencode(name))
        with open(path, "wb") as f:
            f.write(data)
        cases.append(case)

    # canaries
    for i in range(3):
        put(f"canary-{i}.csv", CSV, Case(f"canary-{i}.csv", "complete", True))
    # special files: skipped before being opened (a FIFO used to hang the scan forever)
    os.mkfifo(b / "pipe.csv")
    cases.append(Case("pipe.csv", "skipped", False, "named pipe"))
    # links: a trace, not silence
    os.symlink("nowhere.csv", b / "dangling.csv")
    cases.append(Case("dangling.csv", "skipped", False, "symbolic link"))
    os.symlink("loop-b", b / "loop-a")
    os.symlink("loop-a", b / "loop-b")
    cases.append(Case("loop-a", "skipped", False, "symbolic link"))
    cases.append(Case("loop-b", "skipped", False, "symbolic link"))
    # a file name that is not UTF-8 (aborted the whole scan)
    put(b"bad\xff\xfename.csv", CSV, Case("bad\\xff\\xfename.csv", "complete", True))
    # ANSI escape sequences in a name: must never reach a terminal raw
    put("ansi\x1b[2J\x1b]0;owned\x07.csv", CSV, Case("ansi\x1b[2J\x1b]0;owned\x07.csv", "complete", True))
    # XLSX with 20000 empty rows after the data (IndexError lost every finding)
    put("gap.xlsx", _xlsx_with_gap(), Case("gap.xlsx", "complete", True))
    # a 10 KB XLSX whose cells span 512 GiB / 3 GB of the reader's grid: refused before allocating
    for far in ("XFD1048576", "CV1000000"):
        put(
            f"span-{far}.xlsx",
            _xlsx_huge_span(far),
            Case(f"span-{far}.xlsx", "partial", True, "sheet too large"),
        )
    # gzip inside zip / tar / gzip (opened in write mode: never read)
    gz = gzip.compress(CSV)
    put("gz-in.zip", _zip({"inner.csv.gz": gz}), Case("gz-in.zip", "complete", True))
    put("gz-in.tar", _tar({"inner.csv.gz": gz}), Case("gz-in.tar", "complete", True))
    put("gz-in.csv.gz.gz", gzip.compress(gz), Case("gz-in.csv.gz.gz", "complete", True))
    # a CSV whose first line looks like XML, one with "%PDF-" in its first KB: still a CSV
    put("xmlish.csv", b"<note>export</note>\n" + CSV, Case("xmlish.csv", "complete", True))
    put("pdfish.csv", b"comment,%PDF-1.4 marker\n" + CSV, Case("pdfish.csv", "complete", True))
    # a zip bomb member (ratio far above the cap): partial, bounded
    put("bomb.zip", _zip({"zeros.csv": b"0" * (64 * 1024**2)}), Case("bomb.zip", "partial", False, "bomb"))
    # a library warning quoting content (pydicom) must never reach stderr
    put("warn.dcm", _dicom_with_bad_is(), Case("warn.dcm", "complete", False))
    # JSON object keys holding values: counted, masked in json_path
    doc = {"patients": {SSN_JSON_KEY: {"dob": "1980-02-03", "note": "follow-up"}}}
    put("keys.json", json.dumps(doc).encode(), Case("keys.json", "complete", True))
    # an archive member named after a patient: counted, masked in locations
    member = _zip({f"exports/{SSN_MEMBER} record.csv": CSV})
    put("named-member.zip", member, Case("named-member.zip", "complete", True))
    # an object key holding personal data: counted, and masked in every output
    put(
        f"{NAME_A} {SSN_KEY}.csv",
        b"note\nnothing here\n",
        Case("A** Q******* ###-##-####.csv~", "complete", True),
    )
    # a PDF flate bomb: bounded decompression, the text before the blanks still found
    put("flatebomb.pdf", _pdf_flate_bomb(), Case("flatebomb.pdf", "partial", True, "bomb"))
    # DICOM: deep sequences keep what came before them; a truncated file is partial, not complete
    put(
        "deep.dcm", _dicom(nested=5000), Case("deep.dcm", "partial", True, "nested too deeply", "PERSON_NAME")
    )
    put("cut.dcm", _dicom(cut=150), Case("cut.dcm", "partial", True, "truncated", "PERSON_NAME"))
    # a truncated recording: partial, not complete
    flac = _truncated_flac(root)
    if flac is not None:
        put("cut.flac", flac, Case("cut.flac", "partial", False, "truncated"))
    # corrupt and empty inputs: a status, never a crash
    put("corrupt.pdf", b"%PDF-1.7\n" + os.urandom(4096), Case("corrupt.pdf", "skipped", False))
    put("empty.csv", b"", Case("empty.csv", "complete", False))
    return cases
