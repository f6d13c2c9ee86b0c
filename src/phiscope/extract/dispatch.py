"""Pick the extractor for an object by its content and run it under the object's limits.

(Foundation stub: plain text only. The extraction issue replaces this with sniffing + all formats,
keeping the `extract_object` signature.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from phiscope.extract.base import ExtractContext, Item, SkipObject
from phiscope.model import Segment


def extract_object(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    """Stream the object's segments. Raises SkipObject when nothing is readable.

    After the iterator is exhausted, `ctx.content_type` and `ctx.partial_reasons` describe the result.
    """
    ctx.start_clock()
    head = stream.read(4096)
    if b"\x00" in head:
        raise SkipObject("unsupported type: binary")
    ctx.content_type = "text/plain"
    stream.seek(0)
    for n, raw in enumerate(stream, start=1):
        yield Segment(raw.decode("utf-8", "replace"), ctx.base.with_(line=n))
