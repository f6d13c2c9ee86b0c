"""Pick the extractor for an object by its content and run it under the object's limits.

Routing is by sniffed content (see sniff.py), never by the key's extension. Every failure becomes a
status: `SkipObject` when nothing could be read, `ctx.mark_partial` when some of it could. Extractors
import their format library lazily so `phiscope --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from phiscope.extract import sniff
from phiscope.extract.base import RECURSE, ExtractContext, Item, SkipObject, stream_size

# Formats a reader must hold whole (or nearly) in memory: bounded by max_read_bytes.
_WHOLE = frozenset(
    {sniff.DOCX, sniff.XLSX, sniff.XLSM, sniff.ODS, sniff.PPTX, sniff.OLE, sniff.SEVEN_Z, sniff.DICOM}
)


def extract_object(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """Stream the object's segments. Raises SkipObject when nothing is readable.

    After the iterator is exhausted, `ctx.content_type` and `ctx.partial_reasons` describe the result.
    """
    ctx.start_clock()
    ctx.shared.setdefault(RECURSE, extract_object)  # archives recurse through it (no import cycle)
    try:
        size = stream_size(stream)
        kind = sniff.sniff(stream, ctx.name)
    except OSError:
        raise SkipObject("corrupt: unreadable stream") from None
    ctx.content_type = kind
    if kind == sniff.EMPTY:
        return
    limits = ctx.limits
    if size > limits.max_object_bytes:
        raise SkipObject(f"too large: {size} bytes (limit {limits.max_object_bytes})")
    if kind in _WHOLE and size > limits.max_read_bytes:
        raise SkipObject(f"too large: {size} bytes (read limit {limits.max_read_bytes})")
    extractor = _route(kind)
    if extractor is None:
        raise SkipObject(f"unsupported type: {kind}")
    stream.seek(0)
    yield from extractor(stream, ctx)


def _route(kind: str) -> Callable[[BinaryIO, ExtractContext], Iterator[Item]] | None:
    """The extractor for a sniffed type (imports its module only when needed)."""
    s = sniff
    if kind in (s.TEXT,):
        from phiscope.extract.text import extract_text

        return extract_text
    if kind in (s.CSV, s.TSV):
        from phiscope.extract.tabular import extract_delimited

        return extract_delimited
    if kind in (s.JSON, s.FHIR_JSON):
        from phiscope.extract.jsondoc import extract_json

        return extract_json
    if kind == s.NDJSON:
        from phiscope.extract.jsondoc import extract_ndjson

        return extract_ndjson
    if kind == s.XML:
        from phiscope.extract.xmldoc import extract_xml

        return extract_xml
    if kind == s.HTML:
        from phiscope.extract.html import extract_html

        return extract_html
    if kind == s.HL7:
        from phiscope.extract.hl7 import extract_hl7

        return extract_hl7
    if kind == s.PDF:
        from phiscope.extract.pdf import extract_pdf

        return extract_pdf
    if kind == s.DICOM:
        from phiscope.extract.dicom import extract_dicom

        return extract_dicom
    if kind == s.DOCX:
        from phiscope.extract.office import extract_docx

        return extract_docx
    if kind == s.PPTX:
        from phiscope.extract.office import extract_pptx

        return extract_pptx
    if kind in (s.XLSX, s.XLSM, s.ODS, s.OLE):
        from phiscope.extract.office import extract_spreadsheet

        return extract_spreadsheet
    if kind in s.ARCHIVES:
        from phiscope.extract.archive import extract_archive

        return extract_archive
    if kind in sniff.IMAGES:
        return _image
    if kind.startswith(s.AUDIO_PREFIX) or kind == "video/mp4":
        return _audio
    return None


def _image(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    try:
        from phiscope.extract import media
    except ImportError:
        raise SkipObject("unsupported type: image (OCR not available)") from None
    yield from media.extract_image(stream, ctx)


def _audio(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    try:
        from phiscope.extract import media
    except ImportError:
        raise SkipObject("unsupported type: audio (speech-to-text not available)") from None
    yield from media.extract_audio(stream, ctx)
