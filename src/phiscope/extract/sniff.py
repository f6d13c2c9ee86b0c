"""Decide an object's type from its bytes, never from its name.

Keys lie (`export.csv` that is a ZIP, `scan.pdf` that is a JPEG, `data` with no extension at all), so
we look at magic numbers first, then at the shape of the text: HL7 v2 (`MSH|`), FHIR JSON
(`resourceType`), DICOM with or without its 128-byte preamble, headerless delimited dumps. libmagic
(python-magic) covers the long tail on the first KiB.
"""

from __future__ import annotations

import re
import struct
import zipfile
from typing import BinaryIO

from phiscope.extract import encoding

HEAD_BYTES = 64 * 1024

# Content types the dispatcher routes on (MIME where one exists).
PDF = "application/pdf"
DICOM = "application/dicom"
HL7 = "application/hl7-v2"
FHIR_JSON = "application/fhir+json"
JSON = "application/json"
NDJSON = "application/x-ndjson"
XML = "application/xml"
HTML = "text/html"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TEXT = "text/plain"
EMPTY = "application/x-empty"
BINARY = "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSM = "application/vnd.ms-excel.sheet.macroenabled.12"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
OLE = "application/x-ole-storage"  # legacy .xls/.doc/.msg
ZIP = "application/zip"
GZIP = "application/gzip"
BZIP2 = "application/x-bzip2"
XZ = "application/x-xz"
TAR = "application/x-tar"
SEVEN_Z = "application/x-7z-compressed"

SPREADSHEETS = frozenset({XLSX, XLSM, ODS})
ARCHIVES = frozenset({ZIP, GZIP, BZIP2, XZ, TAR, SEVEN_Z})
IMAGE_PREFIX = "image/"
# The one list of image types and of media file name extensions: OCR reads these MIME types (a
# declared type outside them is sniffed, not trusted); the scanner routes these extensions to the
# model-holding workers and never batches them.
IMAGES = frozenset({"image/png", "image/jpeg", "image/tiff", "image/bmp", "image/webp", "image/gif"})
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "tif", "tiff", "gif", "bmp", "webp", "heic"})
RECORDING_EXTENSIONS = frozenset({"wav", "mp3", "m4a", "ogg", "flac", "opus", "amr", "mp4", "mov", "webm"})
AUDIO_PREFIX = "audio/"

_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x1f\x8b", GZIP),
    (0, b"BZh", BZIP2),
    (0, b"\xfd7zXZ\x00", XZ),
    (0, b"7z\xbc\xaf\x27\x1c", SEVEN_Z),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"BM", "image/bmp"),  # checked further in _bmp_ok
    (0, b"fLaC", "audio/flac"),
    (0, b"OggS", "audio/ogg"),
    (0, b"#!AMR", "audio/amr"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "audio/x-ms-wma"),
    (0, b"\x1a\x45\xdf\xa3", "audio/webm"),
    (257, b"ustar", TAR),
)
_AUDIO_FTYP = (b"M4A ", b"M4B ", b"mp42", b"isom", b"mp41", b"3gp4", b"3gp5", b"3gp6", b"dash", b"iso2")
_DICOM_VRS = frozenset(
    b.encode()
    for b in [
        "AE",
        "AS",
        "AT",
        "CS",
        "DA",
        "DS",
        "DT",
        "FL",
        "FD",
        "IS",
        "LO",
        "LT",
        "OB",
        "OD",
        "OF",
        "OL",
        "OV",
        "OW",
        "PN",
        "SH",
        "SL",
        "SQ",
        "SS",
        "ST",
        "SV",
        "TM",
        "UC",
        "UI",
        "UL",
        "UN",
        "UR",
        "US",
        "UT",
        "UV",
    ]
)
# MSH-1 may be any separator ("MSH$%~\\&$"): the encoding characters then the same separator again
_HL7_START = re.compile(rb"^\s*(?:\x0b)?(?:MSH|FHS|BHS)(?:\||([^\w\s])[^\w\s]{1,5}\1)")
_HTML_HINT = re.compile(rb"<(?:!doctype\s+html|html|head|body|div|table|p|span|br|title)\b", re.I)


def _bmp_ok(head: bytes) -> bool:
    return len(head) >= 26 and struct.unpack_from("<I", head, 14)[0] in (12, 40, 52, 56, 64, 108, 124)


def dicom_without_preamble(head: bytes) -> bool:
    """A DICOM stream that starts straight at a data element (group 0002 or 0008)."""
    if len(head) < 12:
        return False
    group, elem = struct.unpack_from("<HH", head, 0)
    if group not in (0x0002, 0x0008) or elem > 0x0020:
        group, elem = struct.unpack_from(">HH", head, 0)  # explicit VR big endian (retired, still met)
        return group in (0x0002, 0x0008) and elem <= 0x0020 and head[4:6] in _DICOM_VRS
    if head[4:6] in _DICOM_VRS:
        return True
    # Implicit VR little endian: a plausible 4-byte length follows.
    (length,) = struct.unpack_from("<I", head, 4)
    return length < 1024 or length == 0xFFFFFFFF


def _zip_kind(stream: BinaryIO) -> str:
    """OOXML/ODF are ZIPs: look at member names to tell them apart."""
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                try:
                    mt = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                except Exception:
                    mt = ""
                if mt == ODS:
                    return ODS
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    ct = zf.read("[Content_Types].xml")[:200_000]
                    return XLSM if b"macroEnabled" in ct else XLSX
                if any(n.startswith("ppt/") for n in names):
                    return PPTX
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, KeyError):
        pass
    finally:
        stream.seek(0)
    return ZIP


def _libmagic(head: bytes) -> str | None:
    try:
        import magic

        return str(magic.from_buffer(head[:1024], mime=True))
    except Exception:  # libmagic missing or broken: our own checks still run
        return None


def _text_kind(head: bytes, complete: bool) -> str:
    enc, skip = encoding.detect(head, complete)
    text = head[skip:].decode(enc, "replace").lstrip("\ufeff \t\r\n\x0b")
    if _HL7_START.match(text[:16].encode("utf-8", "replace")):
        return HL7
    if text[:1] in ("{", "["):
        return _json_kind(text, complete)
    if text[:1] == "<":
        low = text[:4096].lower()
        if "<html" in low or "<!doctype html" in low:
            return HTML
        if text.startswith("<?xml") or re.match(r"<[A-Za-z_][\w.:-]*[\s>/]", text):
            return HTML if _HTML_HINT.match(text.encode("utf-8", "replace")) else XML
    from phiscope.extract.tabular import sniff_dialect

    dialect = sniff_dialect(text, complete)
    if dialect is not None:
        return TSV if dialect.delimiter == "\t" else CSV
    return TEXT


def _json_kind(text: str, complete: bool) -> str:
    import json

    first, _, rest = text.partition("\n")
    if first.startswith("{") and rest.lstrip().startswith("{"):
        try:
            json.loads(first)
            return NDJSON
        except ValueError:
            pass
    if '"resourceType"' in text[:8192]:
        return FHIR_JSON
    return JSON


_DELIMITED_EXT = ("csv", "tsv", "tab", "psv")
_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")


def _table_after_first_line(head: bytes, complete: bool) -> str | None:
    """CSV/TSV when everything after the first line is a delimited table, else None."""
    from phiscope.extract.tabular import sniff_dialect

    rest = head.split(b"\n", 1)[1] if b"\n" in head else b""
    if not rest.strip():
        return None
    enc, _ = encoding.detect(rest, complete)
    dialect = sniff_dialect(rest.decode(enc, "replace"), complete)
    if dialect is None:
        return None
    return TSV if dialect.delimiter == "\t" else CSV


def sniff(stream: BinaryIO, name: str = "") -> str:
    """Content type of the object in `stream` (rewound afterwards).

    The name is only a tie-breaker: text whose sample is too short to show a table shape (one giant
    first line) but whose key says .csv/.tsv is read as delimited when its first line has the delimiter.
    """
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    complete = len(head) < HEAD_BYTES
    kind = sniff_head(head, complete, stream)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind in (XML, HTML) and ext in _DELIMITED_EXT:
        # The extension says table and only the first line says markup: believe the structure.
        table = _table_after_first_line(head, complete)
        if table is not None:
            return table
    if kind == TEXT and not complete:
        first = head.split(b"\n", 1)[0]
        if ext in ("csv", "psv") and any(d in first for d in (b",", b";", b"|")):
            return CSV
        if ext in ("tsv", "tab") and b"\t" in first:
            return TSV
    return kind


def sniff_head(head: bytes, complete: bool, stream: BinaryIO | None = None) -> str:
    if not head:
        return EMPTY
    if encoding.bom(head):
        return _text_kind(head, complete)
    pdf_at = head.find(b"%PDF-", 0, 1024)
    if pdf_at == 0 or (pdf_at > 0 and _PDF_OBJECT.search(head, pdf_at, pdf_at + 8192)):
        return PDF  # readers accept a header anywhere in the first KB, but then objects follow
    if head[128:132] == b"DICM" or head[:4] == b"DICM":
        return DICOM
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return _zip_kind(stream) if stream is not None else ZIP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in _AUDIO_FTYP else "video/mp4"
    for off, sig, kind in _MAGIC:
        if head[off : off + len(sig)] == sig and (kind != "image/bmp" or _bmp_ok(head)):
            return kind
    if dicom_without_preamble(head):
        return DICOM
    if not encoding.looks_binary(head):
        return _text_kind(head, complete)
    if len(head) > 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "audio/mpeg"  # MPEG audio frame sync without ID3 tag
    mt = _libmagic(head)
    if not mt or mt in ("text/plain", "application/octet-stream"):
        return BINARY
    if mt.startswith(IMAGE_PREFIX) and mt not in IMAGES:
        return BINARY  # libmagic's weak image guesses (TGA, ICO...) on arbitrary bytes
    return mt
