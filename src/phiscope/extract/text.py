"""Plain text and logs: one segment per non-blank line, so findings say "line 4812"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from phiscope.extract.base import ExtractContext, Item
from phiscope.extract.encoding import TextLines
from phiscope.extract.locs import at
from phiscope.model import Segment


def extract_text(stream: BinaryIO, ctx: ExtractContext, head: bytes | None = None) -> Iterator[Item]:
    reader = TextLines(stream, ctx, head=head)
    base = ctx.base
    for n, line in reader:
        text = line.rstrip("\r\n")
        if text.strip():
            yield Segment(text, at(base, line=n))
