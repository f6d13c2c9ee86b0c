"""PDF: page text (pypdfium2, BSD/Apache) and AcroForm field values (pypdf, BSD).

Filled forms keep their values in form fields, not in the page content: a workers'-comp form read as
page text shows only its labels. So fields are read separately, per page, labelled with the field's
user-facing name (/TU, e.g. "Social Security No.") or its name. Pages with images but (almost) no
text are scans: they go to OCR when it is available, and make the result partial when not.
AGPL/GPL PDF libraries (PyMuPDF, pdftotext) are deliberately not used.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from phiscope.extract.base import ExtractContext, Item, SkipObject
from phiscope.extract.locs import at
from phiscope.model import Location, Segment

MIN_PAGE_CHARS = 16  # fewer non-blank characters than this: treat the page as having no text layer
OCR_DPI = 300
OCR_MAX_PIXELS = 40_000_000


@dataclass(frozen=True, slots=True)
class FormField:
    name: str  # fully qualified field name (parent.child)
    label: str  # /TU tooltip when present (what the form shows a human), else the name
    value: str
    page: int | None  # 1-based, None when the field has no widget on a page


def _pdf_str(v: Any) -> str | None:
    """A field value as text: strings, names (checkbox states), arrays (multi-select lists)."""
    if v is None:
        return None
    if isinstance(v, list | tuple):
        parts = [p for p in (_pdf_str(x) for x in v) if p]
        return ", ".join(parts) or None
    s = str(v)
    if s.startswith("/"):
        s = s[1:]
        if s in ("Off", ""):
            return None
    return s if s.strip() else None


def _qualified(annot: Any) -> tuple[str, Any]:
    """Full field name (T of each ancestor) and the dictionary holding the value (/V may be inherited)."""
    names: list[str] = []
    node = annot
    holder = None
    seen = 0
    while node is not None and seen < 32:
        seen += 1
        if holder is None and "/V" in node:
            holder = node
        t = node.get("/T")
        if t is not None:
            names.append(str(t))
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return ".".join(reversed(names)), holder


def _tooltip(annot: Any) -> str | None:
    node = annot
    for _ in range(32):
        if node is None:
            return None
        tu = node.get("/TU")
        if tu:
            return str(tu)
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def form_fields(reader: Any, max_pages: int) -> list[FormField]:
    """Values of filled AcroForm fields, with the page their widget sits on."""
    root = reader.trailer["/Root"]
    if "/AcroForm" not in root:
        return []
    out: list[FormField] = []
    seen: set[str] = set()
    for i, page in enumerate(reader.pages):
        if i >= max_pages:
            break
        annots = page.get("/Annots")
        if annots is None:
            continue
        for ref in annots.get_object():
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            name, holder = _qualified(annot)
            if not name or name in seen or holder is None:
                continue
            value = _pdf_str(holder.get("/V"))
            if value is None:
                continue
            seen.add(name)
            out.append(FormField(name, _tooltip(annot) or name, value, i + 1))
    try:
        fields = reader.get_fields() or {}
    except Exception:  # pypdf on odd field trees; page-linked fields above are what matter most
        fields = {}
    for name, f in fields.items():
        if name in seen:
            continue
        value = _pdf_str(f.get("/V"))
        if value is not None:
            out.append(FormField(name, str(f.get("/TU") or name), value, None))
    return out


def _quiet_pypdf() -> None:
    """pypdf logs repairs of damaged files as warnings: they are statuses here, not console noise."""
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)


def _open_pypdf(stream: BinaryIO, ctx: ExtractContext) -> Any:
    """pypdf reader, decrypted when only an owner password is set; raises SkipObject for a user password."""
    from pypdf import PasswordType, PdfReader

    _quiet_pypdf()

    stream.seek(0)
    reader = PdfReader(stream, strict=False)
    if reader.is_encrypted:
        try:
            result = reader.decrypt("")
        except Exception:  # unsupported crypto handler: pdfium may still read the pages
            ctx.mark_partial("encrypted: form fields not readable")
            return None
        if result == PasswordType.NOT_DECRYPTED:
            raise SkipObject("encrypted: PDF needs a user password")
    return reader


def _png(page: Any) -> bytes:
    w, h = page.get_size()
    scale = OCR_DPI / 72
    if w * h * scale * scale > OCR_MAX_PIXELS:
        scale = (OCR_MAX_PIXELS / (w * h)) ** 0.5
    image = page.render(scale=scale, may_draw_forms=False).to_pil()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _has_images(page: Any) -> bool:
    import pypdfium2.raw as pdfium_c

    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4))


def _page_items(page: Any, n: int, ctx: ExtractContext, base: Location) -> Iterator[Item]:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_bounded()
    finally:
        textpage.close()
    loc = at(base, page=n)
    if len("".join(text.split())) >= MIN_PAGE_CHARS:
        yield Segment(text, loc)
        return
    if text.strip():
        yield Segment(text, loc)
    if not _has_images(page):
        return  # a blank page, or one with a few words only: nothing hidden
    if ctx.limits.ocr and ctx.ocr_image is not None:
        yield from ctx.ocr_image(_png(page), ctx, loc)
    else:
        ctx.mark_partial(f"page {n} has no text layer (OCR not available)")


def _pdfium_pages(stream: BinaryIO, ctx: ExtractContext) -> Iterator[tuple[int, Any]] | None:
    import pypdfium2 as pdfium

    stream.seek(0)
    try:
        doc = pdfium.PdfDocument(stream)
    except pdfium.PdfiumError as e:
        if e.err_code == 4:  # FPDF_ERR_PASSWORD
            raise SkipObject("encrypted: PDF needs a user password") from None
        return None

    def pages() -> Iterator[tuple[int, Any]]:
        try:
            for i in range(len(doc)):
                yield i + 1, doc[i]
        finally:
            doc.close()

    return pages()


PDF_STREAM_BUDGET = 256 * 1024**2  # decompressed bytes one Flate stream may expand to
PDF_INFLATE_MIN_RAW = 16 * 1024  # smaller streams cannot expand past the budget (zlib ≤ ~1032:1)


def flate_bomb(stream: BinaryIO, ctx: ExtractContext) -> bool:
    """True when a Flate stream of the file inflates past PDF_STREAM_BUDGET. pdfium inflates content
    streams whole in native code, out of reach of the time and memory budgets (a 1 MB file: 2-3 GB,
    minutes): such a file goes to the bounded salvage reader instead."""
    import zlib

    data: Any
    try:  # a real file: searched in place, not copied into memory
        import mmap

        data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        stream.seek(0)
        data = stream.read(ctx.limits.max_read_bytes)
        stream.seek(0)
    pos = 0
    while (m := _STREAM.search(data, pos)) is not None:
        start = m.end()
        end = data.find(_ENDSTREAM, start)
        end = len(data) if end == -1 else end
        pos = end
        head = data[max(0, m.start() - 300) : m.start()]
        if end - start < PDF_INFLATE_MIN_RAW or b"Fl" not in head[head.rfind(b"<<") :]:
            continue
        d = zlib.decompressobj()
        out, chunk = 0, memoryview(data)[start:end]
        try:
            while chunk:
                out += len(d.decompress(chunk, 16 * 1024**2))
                if out > PDF_STREAM_BUDGET:
                    return True
                chunk = memoryview(d.unconsumed_tail) if d.unconsumed_tail else memoryview(b"")
        except zlib.error:
            continue
    return False


def extract_pdf(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    base = ctx.base
    if flate_bomb(stream, ctx):
        ctx.mark_partial(
            f"limit hit: a PDF stream inflates past {PDF_STREAM_BUDGET // 1024**2} MB (bomb?); "
            "text salvaged with bounded decompression"
        )
        yield from salvage(stream, ctx)
        return
    max_pages = ctx.limits.max_pages
    fields: list[FormField] = []
    reader = None
    fields_failed = False
    try:
        reader = _open_pypdf(stream, ctx)
        fields = form_fields(reader, max_pages)
    except SkipObject:
        raise
    except Exception:  # damaged structure: page text may still be readable with pdfium
        fields_failed = True
    by_page: dict[int | None, list[FormField]] = {}
    for f in fields:
        by_page.setdefault(f.page, []).append(f)

    pages = _pdfium_pages(stream, ctx)
    if pages is None:
        if reader is not None:
            ctx.mark_partial("corrupt: PDF damaged, text recovered with pypdf")
            yield from _fields(by_page.pop(None, []), base)
            yield from _pypdf_pages(reader, ctx, by_page)
            return
        found = 0
        for item in salvage(stream, ctx):
            found += 1
            yield item
        if not found:
            raise SkipObject("corrupt: unreadable PDF")
        ctx.mark_partial("corrupt: PDF damaged (truncated?), text salvaged from content streams")
        return
    if fields_failed:
        ctx.mark_partial("corrupt: PDF form fields unreadable")
    unreadable = 0
    for n, page in pages:
        if n > max_pages:
            ctx.mark_partial(f"limit hit: first {max_pages} pages read")
            break
        if ctx.out_of_time():
            ctx.mark_partial(f"timeout: stopped at page {n}")
            break
        try:
            yield from _page_items(page, n, ctx, base)
        except SkipObject:
            raise
        except Exception:
            unreadable += 1
        finally:
            page.close()
        yield from _fields(by_page.pop(n, []), base)
    if unreadable:
        ctx.mark_partial(f"{unreadable} page(s) unreadable")
    for rest in by_page.values():
        yield from _fields(rest, base)


def _fields(fields: list[FormField], base: Location) -> Iterator[Item]:
    for f in fields:
        yield Segment(f.value, at(base, page=f.page, field=f.name), f.label)


def _pypdf_pages(
    reader: Any, ctx: ExtractContext, by_page: dict[int | None, list[FormField]]
) -> Iterator[Item]:
    unreadable = 0
    try:
        pages = list(reader.pages)
    except Exception:
        raise SkipObject("corrupt: unreadable PDF") from None
    for i, page in enumerate(pages):
        n = i + 1
        if n > ctx.limits.max_pages:
            ctx.mark_partial(f"limit hit: first {ctx.limits.max_pages} pages read")
            break
        if ctx.out_of_time():
            ctx.mark_partial(f"timeout: stopped at page {n}")
            break
        try:
            text = page.extract_text() or ""
        except Exception:
            unreadable += 1
            continue
        if text.strip():
            yield Segment(text, at(ctx.base, page=n))
        yield from _fields(by_page.pop(n, []), ctx.base)
    if unreadable:
        ctx.mark_partial(f"{unreadable} page(s) unreadable")


# --- salvage of damaged files ----------------------------------------------------------------------------

_STREAM = re.compile(rb"stream\r?\n")
_ENDSTREAM = b"endstream"
_TEXT_OP = re.compile(rb"\((?P<s>(?:\\.|[^\\()])*)\)\s*(?:Tj|'|\")|\[(?P<a>(?:\\.|[^\]\\])*)\]\s*TJ", re.S)
_LITERAL = re.compile(rb"\(((?:\\.|[^\\()])*)\)", re.S)
_ESC = re.compile(rb"\\([nrtbf()\\]|[0-7]{1,3}|\r?\n)")
_ESC_MAP = {
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"b": b"\b",
    b"f": b"\f",
    b"(": b"(",
    b")": b")",
    b"\\": b"\\",
}
SALVAGE_BYTES = 64 * 1024**2


def _unescape_literal(s: bytes) -> str:
    def sub(m: re.Match[bytes]) -> bytes:
        e = m.group(1)
        if e in _ESC_MAP:
            return _ESC_MAP[e]
        if e[:1].isdigit():
            return bytes([int(e, 8) & 0xFF])
        return b""  # escaped line break: continuation

    return _ESC.sub(sub, s).decode("cp1252", "replace")


def content_text(content: bytes) -> str:
    """Text shown by Tj/TJ/'/" operators of a content stream, one line per operator."""
    lines: list[str] = []
    for m in _TEXT_OP.finditer(content):
        if m.group("s") is not None:
            lines.append(_unescape_literal(m.group("s")))
        else:
            lines.append("".join(_unescape_literal(x) for x in _LITERAL.findall(m.group("a") or b"")))
    return "\n".join(t for t in lines if t.strip())


def _a85(raw: bytes) -> bytes:
    """ASCII85 that may be cut short: decode the whole 5-character groups that are there."""
    import base64

    body = raw.split(b"~>", 1)[0]
    body = b"".join(body.split())
    body = body[: len(body) - (len(body.replace(b"z", b"")) % 5)] if b"z" not in body else body
    try:
        return base64.a85decode(body)
    except ValueError:
        return b""


def salvage(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """Last resort for a PDF no library opens (typically cut short): inflate each content stream
    found in the raw bytes and read its text operators. Locations are byte offsets (no page tree)."""
    import zlib

    stream.seek(0)
    data = stream.read(min(SALVAGE_BYTES, ctx.limits.max_read_bytes))
    for m in _STREAM.finditer(data):
        start = m.end()
        end = data.find(_ENDSTREAM, start)
        raw = data[start : end if end != -1 else len(data)]
        head = data[max(0, m.start() - 300) : m.start()]
        head = head[head.rfind(b"<<") :]
        if b"ASCII85Decode" in head or b"/A85" in head:
            raw = _a85(raw)
        try:
            content = zlib.decompressobj().decompress(raw, 16 * len(raw) + 65536)
        except zlib.error:
            content = raw
        text = content_text(content)
        if text:
            yield Segment(text, at(ctx.base, offset=start))
        if ctx.out_of_time():
            ctx.mark_partial("timeout: time budget exceeded")
            return
