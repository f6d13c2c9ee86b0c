"""Archives: recursion with member paths, limits, encrypted members."""

from __future__ import annotations

import io
import zipfile

import extract_synth as S
import pytest
from extract_helpers import all_text, chunks, run, segments

from phiscope.extract import sniff
from phiscope.extract.base import Limits, SkipObject


def test_zip_inside_tar_gz() -> None:
    inner = S.zip_of({"reports/patients.csv": S.delimited(), "notes.txt": b"call back 287-65-4310\n"})
    items, ctx = run(
        S.tar_gz_of({"export/batch.zip": inner, "readme.txt": b"nothing here\n"}), name="a.tar.gz"
    )
    (table,) = chunks(items)
    assert table.location.member == "export/batch.zip!/reports/patients.csv"
    assert table.header == S.HEADER and table.rows[0][2] == "287-65-4310"
    note = next(s for s in segments(items) if "call back" in s.text)
    assert note.location.member == "export/batch.zip!/notes.txt" and note.location.line == 1
    assert ctx.content_type == sniff.GZIP and ctx.partial_reasons == []


def test_gzip_layer_is_transparent() -> None:
    import gzip

    items, _ctx = run(gzip.compress(S.hl7()), name="adt.hl7.gz")
    pid19 = next(s for s in segments(items) if s.location.hl7 == "PID-19")
    assert pid19.location.member is None and pid19.text == "287-65-4310"


@pytest.mark.parametrize("fmt", ["bz2", "xz"])
def test_other_compressors(fmt: str) -> None:
    import bz2
    import lzma

    data = (bz2.compress if fmt == "bz2" else lzma.compress)(S.delimited())
    items, _ = run(data)
    assert chunks(items)[0].rows[0][2] == "287-65-4310"


def test_seven_zip_members() -> None:
    import py7zr

    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as z:
        z.writestr(S.delimited(delim=";", header=False), "dump/patients.txt")
        z.writestr(S.hl7(), "msgs/adt.hl7")
    items, ctx = run(buf.getvalue())
    (table,) = chunks(items)
    assert table.location.member == "dump/patients.txt" and table.header is None
    assert any(s.location.member == "msgs/adt.hl7" and s.location.hl7 == "PID-19" for s in segments(items))
    assert ctx.partial_reasons == []


def test_seven_zip_encrypted_is_skipped() -> None:
    import py7zr

    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password="pw") as z:
        z.writestr(b"secret 287-65-4310", "a.txt")
    with pytest.raises(SkipObject) as e:
        run(buf.getvalue())
    assert e.value.reason.startswith("encrypted")


def _encrypted_flag_zip(members: dict[str, bytes], encrypted: set[str]) -> bytes:
    """A zip whose members carry the 'encrypted' flag (what readers go by) without real crypto."""
    import struct

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    buf = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(buf))) as z:
        offsets = {i.filename: i.header_offset for i in z.infolist()}
    for name in encrypted:
        buf[offsets[name] + 6] |= 0x1  # local header general-purpose flags
    pos = buf.find(b"PK\x01\x02")
    while pos != -1:  # central directory entries
        (n,) = struct.unpack_from("<H", buf, pos + 28)
        if buf[pos + 46 : pos + 46 + n].decode() in encrypted:
            buf[pos + 8] |= 0x1
        pos = buf.find(b"PK\x01\x02", pos + 46)
    return bytes(buf)


def test_encrypted_members_reported() -> None:
    data = _encrypted_flag_zip({"a.txt": b"plain 287-65-4310\n", "b.txt": b"xx"}, {"b.txt"})
    items, ctx = run(data)
    assert "plain 287-65-4310" in all_text(items)
    assert ctx.partial_reasons == ["encrypted: 1 archive member(s) not read"]


def test_all_members_encrypted_is_skipped() -> None:
    with pytest.raises(SkipObject) as e:
        run(_encrypted_flag_zip({"a.txt": b"x", "b.txt": b"y"}, {"a.txt", "b.txt"}))
    assert e.value.reason == "encrypted: all 2 archive member(s) are encrypted"


def test_depth_limit() -> None:
    data = b"deep 287-65-4310\n"
    for i in range(6):
        data = S.zip_of({f"level{i}.zip" if i else "leaf.txt": data})
    items, ctx = run(data, limits=Limits(max_archive_depth=3))
    assert "deep" not in all_text(items)
    assert "limit hit: archives nested deeper than 3" in ctx.partial_reasons
    items, ctx = run(data)
    (seg,) = segments(items)
    assert seg.location.member == "level5.zip!/level4.zip!/level3.zip!/level2.zip!/level1.zip!/leaf.txt"
    assert ctx.partial_reasons == []


def test_member_limit() -> None:
    data = S.zip_of({f"m{i}.txt": b"row %d\n" % i for i in range(20)})
    items, ctx = run(data, limits=Limits(max_archive_members=5))
    assert len(segments(items)) == 5
    assert "limit hit: more than 5 archive members" in ctx.partial_reasons


def test_total_bytes_limit() -> None:
    data = S.zip_of({f"m{i}.txt": b"x" * 1000 + b"\n" for i in range(10)})
    _items, ctx = run(data, limits=Limits(max_archive_total_bytes=3500))
    assert any(r.startswith("limit hit: archive total") for r in ctx.partial_reasons)


def test_unsupported_members_counted() -> None:
    data = S.zip_of({"a.txt": b"hello\n", "b.bin": bytes(range(256)) * 4, "c.bin": bytes(range(256)) * 4})
    _items, ctx = run(data)
    assert ctx.partial_reasons == ["2 archive member(s) skipped: unsupported type: application/octet-stream"]
