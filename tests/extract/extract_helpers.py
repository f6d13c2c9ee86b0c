"""Small helpers shared by the extraction tests: run the real dispatcher on bytes or files."""

from __future__ import annotations

import io
from pathlib import Path

from phiscope.extract.base import ExtractContext, Item, Limits
from phiscope.extract.dispatch import extract_object
from phiscope.model import Segment, TableChunk


def run(
    data: bytes | Path, name: str = "obj", limits: Limits | None = None, **kw: object
) -> tuple[list[Item], ExtractContext]:
    ctx = ExtractContext(name=name, limits=limits or Limits(), **kw)  # type: ignore[arg-type]
    if isinstance(data, Path):
        with data.open("rb") as f:
            items = list(extract_object(f, ctx))
    else:
        items = list(extract_object(io.BytesIO(data), ctx))
    return items, ctx


def segments(items: list[Item]) -> list[Segment]:
    return [i for i in items if isinstance(i, Segment)]


def chunks(items: list[Item]) -> list[TableChunk]:
    return [i for i in items if isinstance(i, TableChunk)]


def all_text(items: list[Item]) -> str:
    out: list[str] = []
    for i in items:
        if isinstance(i, Segment):
            out.append(i.text)
        else:
            out.extend("\t".join(r) for r in i.rows)
            if i.header:
                out.append("\t".join(i.header))
    return "\n".join(out)


def by_label(items: list[Item]) -> dict[str, str]:
    return {s.label: s.text for s in segments(items) if s.label}
