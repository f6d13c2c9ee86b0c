"""JSON and NDJSON documents: one segment per scalar value, labelled with its key and JSON path.

FHIR resources (anything with `resourceType`) get FHIR element paths as labels (see fhir.py), so
detection sees "Patient.birthDate" next to the value, like a column header.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from phiscope.extract import encoding
from phiscope.extract.base import ExtractContext, Item
from phiscope.extract.jsonpath import _IDENT, path_key, scalar_text
from phiscope.extract.locs import at
from phiscope.model import Location, Segment
from phiscope.textsafe import mask_label

# Above this a parsed JSON tree costs too much memory: read the document as text lines instead.
MAX_PARSE_BYTES = 64 * 1024**2


def key_is_label(key: str) -> bool:
    """A JSON key that names a field (`dob`, `patient_name`, `Date of Birth`) rather than holding a
    value (an SSN, a name, a date used as a dictionary key)."""
    if _IDENT.fullmatch(key) and sum(c.isdigit() for c in key) < 3:
        return True
    if any(c.isdigit() for c in key) or len(key) > 60:
        return False
    from phiscope.detect.columns import classify_label

    return classify_label(key) is not None or key.islower()


def walk(doc: Any, ctx: ExtractContext, base: Location, root: str = "$") -> Iterator[Segment]:
    """Scalars of a parsed JSON tree, depth-first in document order, without recursion."""
    if isinstance(doc, dict) and isinstance(doc.get("resourceType"), str):
        from phiscope.extract.fhir import walk_resource

        yield from walk_resource(doc, ctx, base, root)
        return
    cap = ctx.limits.max_line_bytes
    stack: list[tuple[Any, str, str | None]] = [(doc, root, None)]
    n = 0
    while stack:
        node, path, label = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("resourceType"), str) and path != root:
                from phiscope.extract.fhir import walk_resource

                yield from walk_resource(node, ctx, base, path)
                continue
            items = list(node.items())
            for k, v in reversed(items):
                key = str(k)
                if key_is_label(key):
                    stack.append((v, path_key(path, key), key))
                else:  # a value used as a key (`{"655-15-0410": {...}}`): scanned, masked in paths
                    masked = path_key(path, mask_label(key))
                    yield Segment(key, at(base, json_path=masked), label)
                    stack.append((v, masked, label))
        elif isinstance(node, list):
            for i in range(len(node) - 1, -1, -1):
                stack.append((node[i], f"{path}[{i}]", label))
        else:
            text = scalar_text(node)
            if text is None:
                continue
            if len(text) > cap:
                text = text[:cap]
                ctx.mark_partial(f"truncated: JSON values longer than {cap} characters")
            yield Segment(text, at(base, json_path=path), label)
        n += 1
        if n & 0xFFF == 0 and ctx.out_of_time():
            ctx.mark_partial("timeout: time budget exceeded")
            return


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    stream.seek(0)
    return stream.read(limit + 1)


def extract_json(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """A whole JSON document (object or array); too-large ones are read as text lines."""
    limit = min(ctx.limits.max_read_bytes, MAX_PARSE_BYTES)
    data = _read_limited(stream, limit)
    if len(data) > limit:
        del data
        ctx.mark_partial(f"limit hit: JSON larger than {limit} bytes read as text, not parsed")
        from phiscope.extract.text import extract_text

        yield from extract_text(stream, ctx)
        return
    enc, skip = encoding.detect(data[:65536], complete=len(data) <= 65536)
    text = data[skip:].decode(enc, "replace")
    del data
    try:
        doc = json.loads(text)
    except RecursionError:
        ctx.mark_partial("corrupt: JSON nested too deeply, read as text")
        doc = None
    except ValueError:
        # Not valid JSON (truncated, concatenated, JSON5...): still scan it as text.
        ctx.mark_partial("corrupt: invalid JSON, read as text")
        doc = None
    if doc is None:
        from phiscope.extract.text import extract_text

        stream.seek(0)
        yield from extract_text(stream, ctx)
        return
    del text
    yield from walk(doc, ctx, ctx.base)


def extract_ndjson(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """Newline-delimited JSON (FHIR bulk export, log pipelines): one record per line."""
    reader = encoding.TextLines(stream, ctx)
    bad = 0
    base = ctx.base
    for n, line in reader:
        s = line.strip()
        if not s:
            continue
        try:
            doc = json.loads(s)
        except (ValueError, RecursionError):
            bad += 1
            yield Segment(s, at(base, line=n))
            continue
        yield from walk(doc, ctx, at(base, line=n))
    if bad:
        ctx.mark_partial(f"corrupt: {bad} NDJSON line(s) not valid JSON, read as text")
