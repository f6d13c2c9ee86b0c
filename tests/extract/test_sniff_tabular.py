"""Type sniffing by content and delimited-text handling (dialects, headers, encodings, chunks)."""

from __future__ import annotations

import codecs
import io

import extract_synth as S
import pytest
from extract_helpers import chunks, run

from phiscope.extract import sniff
from phiscope.extract.base import Limits
from phiscope.extract.tabular import has_header, sniff_dialect


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", sniff.EMPTY),
        (S.delimited(), sniff.CSV),
        (S.delimited(delim="\t"), sniff.TSV),
        (S.delimited(delim=";", header=False), sniff.CSV),
        (S.delimited(delim="|"), sniff.CSV),
        (S.hl7(), sniff.HL7),
        (b"\x0b" + S.hl7() + b"\x1c\r", sniff.HL7),  # MLLP framing
        (S.fhir_bundle(), sniff.FHIR_JSON),
        (b'{"a": [1, 2]}', sniff.JSON),
        (b'{"a": 1}\n{"a": 2}\n', sniff.NDJSON),
        (b'<?xml version="1.0"?><ClinicalDocument/>', sniff.XML),
        (b"<!DOCTYPE html><html><body>x</body></html>", sniff.HTML),
        (b"2024-01-01 12:00:00 INFO started worker\n2024-01-01 12:00:01 INFO ok\n", sniff.TEXT),
        (S.dicom(preamble=True), sniff.DICOM),
        (S.dicom(preamble=False), sniff.DICOM),
        (S.text_pdf(1, 2), sniff.PDF),
        (S.docx(), sniff.DOCX),
        (S.xlsx(), sniff.XLSX),
        (S.pptx(), sniff.PPTX),
        (S.zip_of({"a.txt": b"x"}), sniff.ZIP),
        (S.tar_gz_of({"a.txt": b"x"}), sniff.GZIP),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(32), "audio/wav"),
        (bytes(range(256)) * 8, sniff.BINARY),
    ],
)
def test_sniff_by_content(data: bytes, kind: str) -> None:
    assert sniff.sniff(io.BytesIO(data)) == kind


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["name", "ssn", "dob"], ["John Doe", "123-45-6789", "1980-01-01"]], True),
        ([["John", "Doe", "1980-01-01"], ["Jane", "Roe", "1990-02-02"]], False),
        ([["Patient ID", "Last Name"], ["10023", "Quentara"]], True),
        ([["id", "id"], ["1", "2"]], False),  # duplicate labels
        ([["Smith", "Boston"], ["Smith", "Salem"]], False),  # first cell recurs below
        ([["first_name", "last_name"]], True),
        ([["123", "456"], ["789", "012"]], False),
    ],
)
def test_has_header(rows: list[list[str]], expected: bool) -> None:
    assert has_header(rows) is expected


@pytest.mark.parametrize(
    ("text", "delim"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n", ","),
        ("a;b;c\n1;2;3\n", ";"),
        ("a\tb\n1\t2\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('a,b\n"x, with comma",2\n"multi\nline",3\n', ","),
        ("Dear patient, your visit is due.\nPlease call us, or write, soon, thanks.\nBye\n", None),
    ],
)
def test_sniff_dialect(text: str, delim: str | None) -> None:
    d = sniff_dialect(text)
    assert (d.delimiter if d else None) == delim


def test_csv_with_header_rows_and_columns() -> None:
    items, ctx = run(S.delimited())
    (chunk,) = chunks(items)
    assert chunk.header == S.HEADER
    assert chunk.first_row == 1
    assert chunk.rows[1][2] == "401-22-9187"
    assert ctx.content_type == sniff.CSV and ctx.partial_reasons == []


def test_headerless_semicolon_dump() -> None:
    items, _ = run(S.delimited(delim=";", header=False), name="dump.txt")
    (chunk,) = chunks(items)
    assert chunk.header is None
    assert chunk.rows[0] == list(S.PATIENTS[0])
    assert len(chunk.rows) == 3


def test_rows_stream_in_chunks_with_row_numbers() -> None:
    items, _ = run(S.many_rows(25), limits=Limits(table_chunk_rows=10))
    cs = chunks(items)
    assert [c.first_row for c in cs] == [1, 11, 21]
    assert [len(c.rows) for c in cs] == [10, 10, 5]
    assert cs[2].rows[4][-1].startswith("visit 24 ")


def test_ragged_rows_tolerated() -> None:
    data = b"a,b,c\n1,2,3\n4,5\n6,7,8,9,10\n11,12,13\n"
    items, ctx = run(data)
    rows = [r for c in chunks(items) for r in c.rows]
    assert rows == [["1", "2", "3"], ["4", "5"], ["6", "7", "8", "9", "10"], ["11", "12", "13"]]
    assert ctx.partial_reasons == []


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-8"),
        lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
        lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"),
        lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
        lambda s: s.encode("utf-16-le"),  # no BOM
        lambda s: s.encode("latin-1"),
        lambda s: s.encode("cp1252"),
    ],
)
def test_encodings(encode: object) -> None:
    text = "nom;prénom;ville\nMüller;Zoë;Besançon\nO'Brien;José;Saint-Étienne\n"
    items, ctx = run(encode(text))  # type: ignore[operator]
    (chunk,) = chunks(items)
    assert chunk.header == ["nom", "prénom", "ville"]
    assert chunk.rows[0] == ["Müller", "Zoë", "Besançon"]
    assert ctx.partial_reasons == []


def test_python_log_with_comma_millis_is_text() -> None:
    log = b"".join(
        b"2024-01-0%d 12:00:0%d,123 INFO worker %d picked up job for the nightly export\n" % (i, i, i)
        for i in range(1, 9)
    )
    assert sniff.sniff(io.BytesIO(log)) == sniff.TEXT
