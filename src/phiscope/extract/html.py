"""HTML: the text a reader sees (not scripts or styles), plus filled-in form values.

Uses the standard library's tolerant HTMLParser, fed in chunks. Text is flushed at block boundaries
so a table cell or paragraph becomes one segment, with the line it starts on.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import BinaryIO

from phiscope.extract import encoding
from phiscope.extract.base import ExtractContext, Item
from phiscope.extract.locs import at
from phiscope.model import Location, Segment

_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "svg"})
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "tr",
        "td",
        "th",
        "li",
        "ul",
        "ol",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "pre",
        "blockquote",
        "dd",
        "dt",
        "dl",
        "form",
        "label",
        "option",
        "title",
        "body",
        "html",
        "tbody",
        "thead",
        "hr",
    ]
)
_VALUE_INPUTS = frozenset({"text", "email", "tel", "date", "number", "search", "hidden", "", "url"})


class _Visible(HTMLParser):
    def __init__(self, base: Location, cap: int) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.cap = cap
        self.hidden = 0
        self.buf: list[str] = []
        self.buf_line = 0
        self.size = 0
        self.out: list[Segment] = []

    def flush(self) -> None:
        if self.buf:
            text = " ".join("".join(self.buf).split())
            if text:
                self.out.append(Segment(text[: self.cap], at(self.base, line=self.buf_line)))
            self.buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN and tag != "head":
            self.hidden += 1
        if tag in _BLOCK:
            self.flush()
        if tag == "input":
            a = dict(attrs)
            value = a.get("value")
            if value and value.strip() and (a.get("type") or "").lower() in _VALUE_INPUTS:
                label = a.get("name") or a.get("id") or "input"
                self.out.append(Segment(value[: self.cap], at(self.base, line=self.getpos()[0]), label))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and tag != "head" and self.hidden:
            self.hidden -= 1
        if tag in _BLOCK:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if not self.buf:
            if not data.strip():
                return
            self.buf_line = self.getpos()[0]
            self.size = 0
        self.buf.append(data)
        self.size += len(data)
        if self.size > self.cap:
            self.flush()


def extract_html(stream: BinaryIO, ctx: ExtractContext) -> Iterator[Item]:
    head = stream.read(65536)
    stream.seek(0)
    enc, skip = encoding.detect(head, complete=len(head) < 65536)
    stream.read(skip)
    text = io.TextIOWrapper(stream, encoding=enc, errors="replace", newline="")
    parser = _Visible(ctx.base, ctx.limits.max_line_bytes)
    budget = ctx.limits.max_read_bytes
    read = 0
    try:
        while chunk := text.read(1 << 20):
            read += len(chunk)
            parser.feed(chunk)
            yield from parser.out
            parser.out.clear()
            if read >= budget:
                ctx.mark_partial(f"limit hit: first {budget} characters read")
                break
            if ctx.out_of_time():
                ctx.mark_partial("timeout: time budget exceeded")
                break
        parser.close()
        parser.flush()
        yield from parser.out
    finally:
        text.detach()
