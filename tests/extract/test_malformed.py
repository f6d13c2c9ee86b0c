"""Hostile and broken inputs: every one ends in a status, never a crash, in bounded memory."""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import extract_synth as S
import pytest
from extract_helpers import all_text, chunks, run, segments

from phiscope.extract.base import ExtractContext, Item, Limits, SkipObject

SSN = "287-65-4310"
MiB = 1024**2


def outcome(data: bytes | Path, **kw: object) -> tuple[str, list[Item], ExtractContext | None, str]:
    """('complete'|'partial'|'skipped', items, ctx, reason) — anything else raising fails the test."""
    try:
        items, ctx = run(data, **kw)  # type: ignore[arg-type]
    except SkipObject as e:
        return "skipped", [], None, e.reason
    status = "partial" if ctx.partial_reasons else "complete"
    return status, items, ctx, "; ".join(ctx.partial_reasons)


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / MiB
    finally:
        tracemalloc.stop()


def test_truncated_pdf_salvaged_or_skipped() -> None:
    pdf = S.text_pdf(pages=3, lines=10)
    status, items, _, reason = outcome(pdf[: int(len(pdf) * 0.9)])
    assert status == "partial" and reason.startswith("corrupt: PDF damaged")
    assert SSN in all_text(items)
    status, _, _, reason = outcome(pdf[:300])
    assert (status, reason) == ("skipped", "corrupt: unreadable PDF")


def test_pdf_with_broken_xref_is_read() -> None:
    status, items, _, _ = outcome(S.broken_xref(S.text_pdf(pages=2, lines=3)))
    assert status in ("complete", "partial")
    assert [s.location.page for s in segments(items)] == [1, 2]
    assert SSN in all_text(items)


def test_zip_bomb_refused_quickly(tmp_path: Path) -> None:
    bomb = S.zip_bomb(tmp_path / "bomb.zip", mb=300)
    assert bomb.stat().st_size < 2 * MiB
    result: dict[str, object] = {}
    peak = peak_mib(lambda: result.update(r=outcome(bomb)))
    status, _, _, reason = result["r"]  # type: ignore[misc]
    assert status == "partial"
    assert reason == "1 archive member(s) skipped: compression ratio too high (zip bomb?)"
    assert peak < 16


def test_gzip_bomb_stopped_while_decompressing() -> None:
    bomb = S.gzip_bomb(mb=200)
    result: dict[str, object] = {}
    peak = peak_mib(lambda: result.update(r=outcome(bomb, limits=Limits(max_compression_ratio=100))))
    status, _, _, reason = result["r"]  # type: ignore[misc]
    assert status == "partial"
    assert "compression ratio above 100 (bomb?)" in reason
    assert peak < 32


def test_billion_laughs_not_expanded() -> None:
    result: dict[str, object] = {}
    peak = peak_mib(lambda: result.update(r=outcome(S.BILLION_LAUGHS)))
    status, items, _, reason = result["r"]  # type: ignore[misc]
    assert status == "partial" and reason == "unsafe XML: entity declarations refused, read as text"
    assert SSN in all_text(items)  # still scanned, as text
    assert "lollollol" not in all_text(items)
    assert peak < 8


def test_billion_laughs_inside_docx_part() -> None:
    doc = S._inject(S.docx(), "word/comments.xml", lambda x: S.BILLION_LAUGHS.decode())
    status, items, _, reason = outcome(doc)
    assert status == "partial" and "entity declarations refused" in reason
    assert "Referral letter" in all_text(items)


def test_50mb_single_line_csv(tmp_path: Path) -> None:
    path = tmp_path / "one_line.csv"
    with path.open("wb") as f:
        f.write(b"id,ssn,notes\n")
        cell = b"x" * 1000 + b","
        for _ in range(50 * 1024):
            f.write(cell)
        f.write(b"\n1,%s,end\n" % SSN.encode())
    result: dict[str, object] = {}
    peak = peak_mib(lambda: result.update(r=outcome(path, name=path.name)))
    status, items, _, reason = result["r"]  # type: ignore[misc]
    assert status == "partial" and "truncated: 1 line(s) longer than" in reason
    rows = [r for c in chunks(items) for r in c.rows]
    assert rows[-1] == ["1", SSN, "end"]  # the rows after the giant line are still read
    assert peak < 40  # the 50 MB line never sits in memory whole


def test_binary_named_csv_is_skipped() -> None:
    status, _, _, reason = outcome(bytes(range(256)) * 64, name="patients.csv")
    assert (status, reason) == ("skipped", "unsupported type: application/octet-stream")


def test_invalid_utf8_in_head_is_decoded_as_legacy() -> None:
    status, items, _, _ = outcome(b"name,ssn\nJos\xe9 Mu\xf1oz,287-65-4310\n")
    assert status == "complete"
    assert chunks(items)[0].rows[0] == ["José Muñoz", SSN]


def test_invalid_utf8_later_is_replaced_and_partial() -> None:
    data = b"line \xc3\xa9 ok\n" * 10000 + b"bad \xff\xfe\xc3 bytes 287-65-4310\n"
    status, items, _, reason = outcome(data)
    assert status == "partial" and reason == "invalid utf-8 bytes replaced"
    assert any(SSN in s.text for s in segments(items))


@pytest.mark.parametrize(
    "data",
    [
        S.zip_of({"a.csv": S.delimited()})[:-30],  # truncated central directory
        S.tar_gz_of({"a.csv": S.delimited() * 200})[:200],
        gzip.compress(S.delimited() * 200)[:-40],
        S.dicom()[:200],
        S.dicom()[:-20],
        S.docx()[:-100],
        S.xlsx()[: len(S.xlsx()) // 2],
        b'{"resourceType": "Patient", "name": [{"family": "Quentara"',
        b"[" * 100000 + b"]" * 100000,
        b"<a>" * 50000 + b"287-65-4310",
        b"MSH|^~\\&|" + b"|" * 100000,
        b"%PDF-1.7\n" + bytes(range(256)) * 100,
        b"PK\x03\x04" + bytes(2000),
        b"\x1f\x8b\x08\x00" + bytes(100),
        b"7z\xbc\xaf\x27\x1c" + bytes(100),
    ],
    ids=lambda d: repr(d[:12]),
)
def test_broken_inputs_end_in_a_status(data: bytes) -> None:
    status, _, _, reason = outcome(data)
    assert status in ("complete", "partial", "skipped")
    if status != "complete":
        assert reason and SSN not in reason


@pytest.mark.parametrize("frac", [0.1, 0.5, 0.8, 0.95])
@pytest.mark.parametrize(
    "make",
    [S.fillable_pdf, S.docx, S.xlsx, S.pptx, S.fhir_bundle, S.hl7, lambda: S.dicom(False)],
    ids=["pdf", "docx", "xlsx", "pptx", "fhir", "hl7", "dicom"],
)
def test_cut_short_every_format(make: Callable[[], bytes], frac: float) -> None:
    data = make()
    status, _, _, reason = outcome(data[: int(len(data) * frac)])
    assert status in ("complete", "partial", "skipped")
    assert SSN not in reason


def test_time_budget_makes_partial() -> None:
    _status, _items, ctx, _ = outcome(
        S.many_rows(30000), limits=Limits(max_seconds=0.0, table_chunk_rows=100)
    )
    assert ctx is not None and any(r.startswith("timeout") for r in ctx.partial_reasons)


def test_read_limit_makes_partial() -> None:
    status, items, _, reason = outcome(S.many_rows(5000), limits=Limits(max_read_bytes=64 * 1024))
    assert status == "partial" and reason == f"limit hit: first {64 * 1024} bytes read"
    n = sum(len(c.rows) for c in chunks(items))
    assert 0 < n < 5000


def test_too_large_is_skipped() -> None:
    status, _, _, reason = outcome(S.delimited(), limits=Limits(max_object_bytes=10))
    assert status == "skipped" and reason.startswith("too large")


def test_deep_json_read_as_text() -> None:
    status, items, _, reason = outcome(b'{"ssn": ' + b"[" * 100000 + b'"287-65-4310"' + b"]" * 100000 + b"}")
    assert status == "partial" and reason == "corrupt: JSON nested too deeply, read as text"
    assert SSN in all_text(items)
