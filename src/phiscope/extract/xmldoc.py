"""XML (CDA, HL7 v3, app exports): element text and attribute values, labelled by element path.

Parsed with expat, streamed in chunks, with the same protections as defusedxml: entity declarations
and external entities are refused, so a billion-laughs document costs nothing. A refused or broken
document is still scanned as plain text (it may hide data precisely there), and marked partial.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO
from xml.parsers import expat

from phiscope.extract.base import ExtractContext, Item
from phiscope.extract.locs import at
from phiscope.model import Segment

CHUNK = 1 << 20
_SKIP_ATTRS = ("xmlns", "xsi:", "xml:")


class UnsafeXml(Exception):
    """The document declares entities or references external ones."""


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _Collector:
    """expat callbacks -> Segments in document order (labels are the last three path steps)."""

    def __init__(self, ctx: ExtractContext) -> None:
        self.ctx = ctx
        self.base = ctx.base
        self.cap = ctx.limits.max_line_bytes
        self.path: list[str] = []
        self.buffers: list[list[str]] = []
        self.sizes: list[int] = []
        self.lines: list[int] = []
        self.out: list[Segment] = []
        self.parser = expat.ParserCreate()
        p = self.parser
        p.buffer_text = True
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.chars
        p.EntityDeclHandler = self.refuse
        p.UnparsedEntityDeclHandler = self.refuse
        p.ExternalEntityRefHandler = self.refuse_ext

    def refuse(self, *args: object) -> None:
        raise UnsafeXml()

    def refuse_ext(self, *args: object) -> int:
        raise UnsafeXml()

    def label(self) -> str:
        return "/".join(self.path[-3:])

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.path.append(_local(name))
        self.buffers.append([])
        self.sizes.append(0)
        self.lines.append(self.parser.CurrentLineNumber)
        if attrs:
            line = self.parser.CurrentLineNumber
            lab = self.label()
            for k, v in attrs.items():
                if v and v.strip() and not k.startswith(_SKIP_ATTRS):
                    self.out.append(Segment(v[: self.cap], at(self.base, line=line), f"{lab}/@{_local(k)}"))

    def chars(self, data: str) -> None:
        if not self.buffers:
            return
        if self.sizes[-1] < self.cap:
            self.buffers[-1].append(data)
            self.sizes[-1] += len(data)
        elif self.sizes[-1] != self.cap + 1:
            self.sizes[-1] = self.cap + 1
            self.ctx.mark_partial(f"truncated: XML text longer than {self.cap} characters")

    def end(self, name: str) -> None:
        text = "".join(self.buffers.pop()).strip()
        self.sizes.pop()
        line = self.lines.pop()
        if text:
            self.out.append(Segment(text[: self.cap], at(self.base, line=line), self.label()))
        self.path.pop()


def extract_xml(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    c = _Collector(ctx)
    budget = ctx.limits.max_read_bytes
    read = 0
    yielded = 0
    try:
        while True:
            chunk = stream.read(min(CHUNK, budget - read))
            read += len(chunk)
            final = not chunk
            c.parser.Parse(chunk, final)
            yielded += len(c.out)
            yield from c.out
            c.out.clear()
            if final:
                break
            if read >= budget:
                if stream.read(1):
                    ctx.mark_partial(f"limit hit: first {budget} bytes read")
                break
            if ctx.out_of_time():
                ctx.mark_partial("timeout: time budget exceeded")
                break
        return
    except UnsafeXml:
        ctx.mark_partial("unsafe XML: entity declarations refused, read as text")
    except expat.ExpatError as e:
        yield from c.out
        yielded += len(c.out)
        ctx.mark_partial(f"corrupt: malformed XML at line {e.lineno}")
        if yielded:
            return
    from phiscope.extract.text import extract_text

    stream.seek(0)
    yield from extract_text(stream, ctx)
