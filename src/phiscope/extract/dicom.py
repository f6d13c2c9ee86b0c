"""DICOM: patient/study header tags via pydicom, labelled with their keyword and VR ("PatientID [LO]").

Pixel data is never decoded here (stop_before_pixels); burned-in text in images is media.py's job,
handed over when the dataset has an image and OCR is enabled. Files without the 128-byte preamble
(raw datasets, as many PACS exports are) are read with force=True.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, BinaryIO

from phiscope.extract.base import ExtractContext, Item, SkipObject
from phiscope.extract.locs import at
from phiscope.model import Location, Segment

# Value representations that hold text worth scanning. UI (UIDs) are skipped: long digit strings
# that identify instances, not people, and look like card numbers to a detector.
TEXT_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UR", "UT"}
)
MAX_ELEMENTS = 200_000


def tag_str(tag: Any) -> str:
    return f"({tag.group:04X},{tag.element:04X})"


def person_name(value: Any) -> str:
    """'Doe^John^A' -> 'John A Doe' (how names are written in text)."""
    try:
        parts = [value.given_name, value.middle_name, value.family_name]
        words = " ".join(p for p in parts if p)
        if words:
            return words
    except Exception:  # not a PersonName (invalid VR in a damaged file)
        pass
    return str(value).replace("^", " ").strip()


def element_text(elem: Any) -> str | None:
    value = elem.value
    if value is None or value == "":
        return None
    values = list(value) if elem.VM > 1 else [value]
    if elem.VR == "PN":
        out = [person_name(v) for v in values]
    else:
        out = [v.decode("latin-1", "replace") if isinstance(v, bytes) else str(v) for v in values]
    text = "; ".join(o.strip() for o in out if o and str(o).strip())
    return text or None


def walk(ds: Any, ctx: ExtractContext, base: Location) -> Iterator[Segment]:
    """Text elements in order, sequences included (their path goes in dicom_tag)."""
    stack: list[tuple[Any, str]] = [(ds, "")]
    count = 0
    while stack:
        dataset, prefix = stack.pop()
        nested: list[tuple[Any, str]] = []
        for elem in dataset:
            count += 1
            if count > MAX_ELEMENTS:
                ctx.mark_partial(f"limit hit: first {MAX_ELEMENTS} DICOM elements read")
                return
            tag = tag_str(elem.tag)
            keyword = elem.keyword or ("Private" if elem.tag.is_private else "Unknown")
            if elem.VR == "SQ":
                for i, item in enumerate(elem.value or []):
                    nested.append((item, f"{prefix}{tag} {keyword}[{i}] > "))
                continue
            if elem.VR not in TEXT_VRS:
                continue
            try:
                text = element_text(elem)
            except Exception:  # a value pydicom cannot convert: skip this element only
                ctx.mark_partial("some DICOM elements unreadable")
                continue
            if text:
                # the VR goes in the label: a Person Name tag is a name whatever its keyword
                yield Segment(text, at(base, dicom_tag=f"{prefix}{tag} {keyword}"), f"{keyword} [{elem.VR}]")
        stack.extend(reversed(nested))


def extract_dicom(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    import pydicom
    from pydicom.errors import InvalidDicomError

    stream.seek(0)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = pydicom.dcmread(stream, stop_before_pixels=True, force=True)
    except RecursionError:
        ds = _before_open_ended_sequences(stream)
        ctx.mark_partial(
            "DICOM sequences nested too deeply: elements from the first open-ended one on not read"
        )
    except (InvalidDicomError, EOFError, ValueError, KeyError, OSError, TypeError, AttributeError):
        raise SkipObject("corrupt: unreadable DICOM") from None
    else:
        if _truncated(ds, caught):
            ctx.mark_partial("truncated: DICOM file ends inside an element")
    if not len(ds) and not len(getattr(ds, "file_meta", []) or []):
        raise SkipObject("corrupt: unreadable DICOM")
    meta = getattr(ds, "file_meta", None)
    if meta is not None and len(meta):
        yield from walk(meta, ctx, ctx.base)
    try:
        yield from walk(ds, ctx, ctx.base)
    except SkipObject:
        raise
    except Exception:  # a damaged dataset read lazily: keep what came before
        ctx.mark_partial("corrupt: DICOM dataset truncated")
        return
    if "Rows" in ds and "Columns" in ds and ctx.limits.ocr:
        yield from _burned_in(stream, ctx)


def _before_open_ended_sequences(stream: BinaryIO) -> Any:
    """The elements before the first undefined-length sequence: what a file nesting sequences
    deeper than the reader's recursion allows still gives (PatientName usually comes first)."""
    from pydicom.errors import InvalidDicomError
    from pydicom.filereader import read_partial

    def stop(tag: Any, vr: str | None, length: int) -> bool:
        return length == 0xFFFFFFFF and vr in ("SQ", "UN", None)

    stream.seek(0)
    try:
        return read_partial(stream, stop_when=stop, force=True)
    except (InvalidDicomError, EOFError, ValueError, KeyError, OSError, TypeError, RecursionError):
        raise SkipObject("corrupt: unreadable DICOM") from None


def _truncated(ds: Any, caught: list[warnings.WarningMessage]) -> bool:
    """A file cut short: pydicom reads the last value short, or stops at EOF, without an error."""
    if any("EOF" in str(w.message) or "end of file" in str(w.message).lower() for w in caught):
        return True
    from pydicom.dataelem import RawDataElement

    for tag in list(ds.keys())[-3:]:  # a short read can only be at the end
        raw = ds.get_item(tag)
        if not isinstance(raw, RawDataElement) or not isinstance(raw.value, bytes):
            continue
        if raw.length != 0xFFFFFFFF and len(raw.value) < raw.length:
            return True
    return False


def _burned_in(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """Hand the image to OCR (media.py) for text burned into the pixels."""
    try:
        from phiscope.extract import media
    except ImportError:
        ctx.mark_partial("OCR not available: burned-in text not read")
        return
    import pydicom

    stream.seek(0)
    try:
        full = pydicom.dcmread(stream, force=True)
    except Exception:
        ctx.mark_partial("DICOM pixel data unreadable")
        return
    yield from media.extract_dicom_pixels(full, ctx, ctx.base)
