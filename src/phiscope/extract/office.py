"""Office documents: spreadsheets (XLSX/XLSM/XLS/ODS), Word (DOCX) and PowerPoint (PPTX).

Spreadsheets use python-calamine (Rust, fast, reads values not formulas). DOCX and PPTX are ZIPs of
XML parts; we read the parts directly with a streaming, entity-refusing expat parser rather than
python-docx, because python-docx skips text boxes, footnotes and comments' bodies, and builds a full
DOM we do not need.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.parsers import expat

from phiscope.extract.base import ExtractContext, Item, SkipObject
from phiscope.extract.locs import at
from phiscope.extract.tabular import table_chunks
from phiscope.model import Location, Segment

MAX_PART_BYTES = 256 * 1024**2


class _Unsafe(Exception):
    pass


# --- spreadsheets ----------------------------------------------------------------------------------------


def cell_text(v: Any) -> str:
    """Spreadsheet value as the text a person sees: 123456789.0 -> '123456789', dates ISO."""
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    return str(v)


def extract_spreadsheet(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    from python_calamine import CalamineWorkbook

    stream.seek(0)
    try:
        wb = CalamineWorkbook.from_filelike(stream)
    except Exception as e:  # calamine raises its own types (PasswordError, ZipError, XmlError...)
        if "password" in type(e).__name__.lower() or "encrypt" in type(e).__name__.lower():
            raise SkipObject("encrypted: spreadsheet is password-protected") from None
        if ctx.content_type == "application/x-ole-storage":
            raise SkipObject("unsupported type: legacy Office document") from None
        raise SkipObject("corrupt: unreadable spreadsheet") from None
    unreadable = 0
    spans = sheet_spans(stream) if ctx.content_type in (None, *_OOXML_SHEETS) else {}
    for name in wb.sheet_names:
        if ctx.out_of_time():
            ctx.mark_partial("timeout: time budget exceeded")
            return
        cells = spans.get(name, 0)
        if cells > MAX_SHEET_CELLS:
            # The reader allocates the whole rectangle its cells span (two cells at A1 and
            # XFD1048576: 512 GiB): refuse before allocating, say so.
            ctx.mark_partial(
                f"sheet too large: its cells span {cells:,} positions (limit {MAX_SHEET_CELLS:,})"
            )
            continue
        try:
            sheet = wb.get_sheet_by_name(name)
            rows = sheet.iter_rows()
        except Exception:
            unreadable += 1
            continue
        base = at(ctx.base, sheet=name)
        yield from table_chunks(_row_texts(rows), ctx, base)
    if unreadable:
        ctx.mark_partial(f"{unreadable} sheet(s) unreadable")


MAX_SHEET_CELLS = 20_000_000  # ~0.6 GB in the reader's dense grid
_OOXML_SHEETS = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel.sheet.macroEnabled.12",
)
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"([0-9]{1,7})\"")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb"\b([\w:]+)=\"([^\"]*)\"")


def _col_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n


def sheet_spans(stream: BinaryIO) -> dict[str, int]:
    """Sheet name → positions the rectangle of its cells spans (rows × columns), read from the
    XLSX parts with a regex pass (no grid), so a tiny file cannot make the reader allocate gigabytes.
    Empty when the file is not a readable OOXML package (the reader then reports it)."""
    import html
    import posixpath

    try:
        stream.seek(0)
        zf = zipfile.ZipFile(stream)
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return {}
    targets = {}
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        a = dict(_ATTR.findall(m.group()))
        if b"Id" in a and b"Target" in a:
            t = a[b"Target"].decode("utf-8", "replace")
            targets[a[b"Id"]] = t.lstrip("/") if t.startswith("/") else posixpath.normpath("xl/" + t)
    out: dict[str, int] = {}
    for m in _SHEET.finditer(book):
        a = dict(_ATTR.findall(m.group()))
        rid = next((v for k, v in a.items() if k.endswith(b":id")), None)
        name = html.unescape(a.get(b"name", b"").decode("utf-8", "replace"))
        part = targets.get(rid) if rid else None
        if part and part in zf.namelist():
            out[name] = _part_span(zf, part)
    stream.seek(0)
    return out


def _part_span(zf: zipfile.ZipFile, part: str) -> int:
    max_row = max_col = 0
    min_row = min_col = 1 << 30
    tail = b""
    with zf.open(part) as f:
        while chunk := f.read(4 * 1024**2):
            buf = tail + chunk
            for col, row in _CELL_REF.findall(buf):
                c, r = _col_number(col), int(row)
                max_col, min_col = max(max_col, c), min(min_col, c)
                max_row, min_row = max(max_row, r), min(min_row, r)
            for row in _ROW_REF.findall(buf):
                r = int(row)
                max_row, min_row = max(max_row, r), min(min_row, r)
            tail = buf[-256:]
    if not max_row:
        return 0
    return (max_row - min(min_row, max_row) + 1) * (max(max_col, 1) - min(min_col, max(max_col, 1)) + 1)


def _row_texts(rows: Iterator[list[Any]]) -> Iterator[list[str]]:
    for r in rows:
        cells = [cell_text(v) for v in r]
        while cells and not cells[-1]:
            cells.pop()
        yield cells


# --- DOCX / PPTX -----------------------------------------------------------------------------------------

_DOCX_PART = re.compile(r"word/(document|header\d*|footer\d*|comments|footnotes|endnotes)\.xml$")
_PPTX_SLIDE = re.compile(r"ppt/(slides/slide|notesSlides/notesSlide)(\d+)\.xml$")


class _WordML:
    """Paragraphs and tables of one WordprocessingML/DrawingML part, from expat events.

    Paragraph text is built from w:t/a:t runs; tabs and breaks kept as whitespace. Paragraphs inside a
    table cell become that cell's text; tables go out as TableChunks when they end. Text boxes are
    paragraphs nested in a paragraph: they come out on their own.
    """

    def __init__(self, ctx: ExtractContext, base: Location, label: str, table_base: str) -> None:
        self.ctx = ctx
        self.base = base
        self.label = label
        self.table_base = table_base
        self.cap = ctx.limits.max_line_bytes
        self.paras: list[list[str]] = []
        self.in_text = 0
        self.tables: list[list[list[str]]] = []  # stack of tables (rows of cells)
        self.cells: list[list[str]] = []  # stack of cell paragraph lists
        self.para_no = 0
        self.table_no = 0
        self.out: list[Item] = []
        p = expat.ParserCreate()
        p.buffer_text = True
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.chars
        p.EntityDeclHandler = self.refuse
        p.ExternalEntityRefHandler = self.refuse_ext
        self.parser = p

    def refuse(self, *a: object) -> None:
        raise _Unsafe()

    def refuse_ext(self, *a: object) -> int:
        raise _Unsafe()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "p":
            self.paras.append([])
        elif local == "t":
            self.in_text += 1
        elif local in ("tab", "br", "cr") and self.paras:
            self.paras[-1].append("\t" if local == "tab" else "\n")
        elif local == "tbl":
            self.tables.append([])
        elif local == "tr" and self.tables:
            self.tables[-1].append([])
        elif local == "tc":
            self.cells.append([])

    def chars(self, data: str) -> None:
        if self.in_text and self.paras:
            self.paras[-1].append(data)

    def end(self, name: str) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "t":
            self.in_text = max(0, self.in_text - 1)
        elif local == "p" and self.paras:
            text = "".join(self.paras.pop()).strip()[: self.cap]
            self.para_no += 1
            if not text:
                return
            if self.cells and not self.paras:
                self.cells[-1].append(text)
            else:
                self.out.append(Segment(text, at(self.base, line=self.para_no), self.label))
        elif local == "tc" and self.cells:
            text = "\n".join(self.cells.pop())
            if self.tables and self.tables[-1]:
                self.tables[-1][-1].append(text)
        elif local == "tbl" and self.tables:
            rows = self.tables.pop()
            self.table_no += 1
            if self.cells:  # nested table: its text joins the enclosing cell
                self.cells[-1].extend("\t".join(r) for r in rows)
                return
            base = at(self.base, sheet=f"{self.table_base}table {self.table_no}")
            self.out.extend(table_chunks(rows, self.ctx, base))


def _parse_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, w: _WordML) -> Iterator[Item]:
    if info.file_size > MAX_PART_BYTES or (
        info.compress_size and info.file_size / info.compress_size > w.ctx.limits.max_compression_ratio
    ):
        w.ctx.mark_partial(f"limit hit: document part too large ({info.filename})")
        return
    with zf.open(info) as f:
        while chunk := f.read(1 << 20):
            w.parser.Parse(chunk, False)
            yield from w.out
            w.out.clear()
        w.parser.Parse(b"", True)
    yield from w.out
    w.out.clear()


def _open_zip(stream: BinaryIO) -> zipfile.ZipFile:
    stream.seek(0)
    try:
        return zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise SkipObject("corrupt: unreadable Office document") from None


def _run_parts(
    zf: zipfile.ZipFile, parts: list[tuple[zipfile.ZipInfo, _WordML]], ctx: ExtractContext
) -> Iterator[Item]:
    bad = 0
    for info, w in parts:
        if ctx.out_of_time():
            ctx.mark_partial("timeout: time budget exceeded")
            return
        try:
            yield from _parse_part(zf, info, w)
        except _Unsafe:
            ctx.mark_partial("unsafe XML: entity declarations refused")
        except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
            bad += 1
    if bad:
        ctx.mark_partial(f"corrupt: {bad} document part(s) unreadable")


def _docx_label(part: str) -> str:
    kind = part.rsplit("/", 1)[-1][:-4]
    return {"document": "body", "comments": "comment", "footnotes": "footnote", "endnotes": "endnote"}.get(
        kind, re.sub(r"\d+$", "", kind)
    )


def extract_docx(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """Body, tables, headers/footers, comments, footnotes, text boxes. `line` = paragraph number."""
    with _open_zip(stream) as zf:
        infos = [i for i in zf.infolist() if _DOCX_PART.match(i.filename)]
        if any(i.flag_bits & 1 for i in infos):
            raise SkipObject("encrypted: document is password-protected")
        infos.sort(key=lambda i: (not i.filename.endswith("document.xml"), i.filename))
        parts = []
        for info in infos:
            label = _docx_label(info.filename)
            part = info.filename.rsplit("/", 1)[-1][:-4]
            base = ctx.base if label == "body" else at(ctx.base, sheet=part)
            parts.append((info, _WordML(ctx, base, label, "" if label == "body" else f"{part} ")))
        if not parts:
            raise SkipObject("corrupt: DOCX without a document part")
        yield from _run_parts(zf, parts, ctx)


def extract_pptx(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """Slide text (shapes, tables) and speaker notes; `page` = slide number."""
    with _open_zip(stream) as zf:
        found = []
        for info in zf.infolist():
            m = _PPTX_SLIDE.match(info.filename)
            if m:
                found.append((int(m.group(2)), "notes" in m.group(1), info))
        found.sort(key=lambda t: (t[0], t[1]))
        parts = []
        for n, notes, info in found:
            label = "speaker notes" if notes else "slide"
            parts.append((info, _WordML(ctx, at(ctx.base, page=n), label, "")))
        yield from _run_parts(zf, parts, ctx)
