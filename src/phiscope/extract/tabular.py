"""Delimited text (CSV/TSV/pipe/semicolon) and the table helpers spreadsheets share.

Tables go out as `TableChunk`s so detection can judge a whole column at once ("this column is SSNs")
instead of cell by cell. Database dumps often have no header row, so we decide whether the first row
names the columns or is already data.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import BinaryIO

from phiscope.extract.base import ExtractContext, Item
from phiscope.extract.encoding import TextLines
from phiscope.model import Location, TableChunk

DELIMITERS = (",", "\t", ";", "|")
HEADER_PROBE_ROWS = 50

# A header cell is a short label: starts with a letter, mostly letters, no value-shaped content.
_LABEL = re.compile(r"[^\W\d][\w .#/()\-:'&%?]*", re.UNICODE)
_VALUE_SHAPED = re.compile(
    r"""^\s*(?:
        [-+]?\$?\d[\d,]*(?:\.\d+)?%?          # numbers, money
      | \d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*    # dates
      | [\w.+-]+@[\w-]+\.[\w.]+              # e-mail
      | \(?\d{3}\)?[-. ]?\d{3}[-. ]?\d{4}    # phone
      | .*\d.*\d.*\d.*                        # anything with several digits
    )\s*$""",
    re.X,
)


@dataclass(frozen=True, slots=True)
class SniffedDialect:
    delimiter: str
    quotechar: str = '"'


def _records(sample: str, delim: str, limit: int) -> list[list[str]]:
    out: list[list[str]] = []
    try:
        for rec in csv.reader(io.StringIO(sample), delimiter=delim, quotechar='"'):
            if rec:
                out.append(rec)
            if len(out) >= limit:
                break
    except csv.Error:
        return []
    return out


def sniff_dialect(text: str, complete: bool = True) -> SniffedDialect | None:
    """The delimiter that splits most sample rows into the same number (≥ 2) of short fields.

    Returns None for prose and logs, whose comma counts vary from line to line.
    """
    sample = text[:65536]
    if not complete:
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        if cut > 0:
            sample = sample[:cut]
    best: tuple[float, int, str] | None = None
    for delim in DELIMITERS:
        if delim not in sample:
            continue
        recs = _records(sample, delim, 200)
        if len(recs) < 2 and not (complete and len(recs) == 1 and len(recs[0]) >= 3):
            continue
        counts = [len(r) for r in recs]
        mode = statistics.mode(counts)
        if mode < 2:
            continue
        agree = sum(1 for c in counts if c == mode) / len(counts)
        split = sum(1 for c in counts if c >= 2) / len(counts)
        cells = [f for r in recs[:50] for f in r]
        wordy = sum(1 for f in cells if f.count(" ") >= 4) / len(cells)
        # Ragged rows are fine; lines without the delimiter, or prose-length cells, are not a table.
        if agree < 0.5 or split < 0.9 or wordy > 0.3 or statistics.median(len(f) for f in cells) > 80:
            continue
        score = (agree, mode, delim)
        if best is None or score[:2] > best[:2]:
            best = score
    return SniffedDialect(best[2]) if best else None


def _labelish(cell: str) -> bool:
    c = cell.strip()
    return 0 < len(c) <= 64 and _LABEL.fullmatch(c) is not None and not _VALUE_SHAPED.match(c)


def has_header(rows: list[list[str]]) -> bool:
    """True when the first row names the columns rather than holding values.

    A header is all short, distinct, label-like cells; and (when data rows follow) at least one
    column whose values below are value-shaped (digits, dates, e-mails) while its header is not, or
    whose header text never recurs in the column.
    """
    if not rows or not rows[0]:
        return False
    first = [c.strip() for c in rows[0]]
    if not all(_labelish(c) for c in first):
        return False
    if len({c.lower() for c in first}) != len(first):
        return False
    body = [r for r in rows[1:] if r]
    if not body:
        return True
    for j in range(len(first)):
        col = [r[j].strip() for r in body if j < len(r) and r[j].strip()]
        if not col:
            continue
        shaped = sum(1 for v in col if not _labelish(v))
        if shaped / len(col) >= 0.5:
            return True
    # All text on both sides: a header unless one of its cells recurs as a value below it.
    for j, h in enumerate(first):
        col = [r[j].strip().lower() for r in body if j < len(r)]
        if h.lower() in col:
            return False
    return True


def table_chunks(
    rows: Iterable[list[str]],
    ctx: ExtractContext,
    base: Location,
    header: str | bool = "auto",
) -> Iterator[TableChunk]:
    """Batch rows into TableChunks, deciding the header from the first rows."""
    it = iter(rows)
    probe: list[list[str]] = []
    for r in it:
        probe.append(r)
        if len(probe) >= HEADER_PROBE_ROWS:
            break
    if not probe:
        return
    use_header = has_header(probe) if header == "auto" else bool(header)
    head: list[str] | None = [c.strip() for c in probe[0]] if use_header else None
    pending = probe[1:] if use_header else probe
    size = max(1, ctx.limits.table_chunk_rows)
    first_row = 1
    rest = chain(pending, it)
    while True:
        batch = list(islice(rest, size))
        if not batch:
            return
        if first_row > 1 and ctx.out_of_time():  # rows are left after a whole batch: stop here
            ctx.mark_partial("timeout: time budget exceeded")
            return
        yield TableChunk(head, batch, first_row, base)
        first_row += len(batch)


def _lines(reader: TextLines) -> Iterator[str]:
    for _n, line in reader:
        yield line


def extract_delimited(
    stream: BinaryIO, ctx: ExtractContext, head: bytes | None = None, header: str | bool = "auto"
) -> Iterator[Item]:
    """CSV/TSV/pipe/semicolon text, with or without header, streamed row by row."""
    reader = TextLines(stream, ctx, head=head, newline="")
    lines = _lines(reader)
    sample_lines: list[str] = []
    size = 0
    for line in lines:
        sample_lines.append(line)
        size += len(line)
        if size >= 65536 or len(sample_lines) >= 200:
            break
    sample = "".join(sample_lines)
    dialect = sniff_dialect(sample, complete=size < 65536) or _fallback_dialect(sample)
    limit = max(csv.field_size_limit(), ctx.limits.max_line_bytes * 2)
    csv.field_size_limit(limit)

    def all_lines() -> Iterator[str]:
        yield from sample_lines
        yield from lines

    rows = csv.reader(all_lines(), delimiter=dialect.delimiter, quotechar=dialect.quotechar)
    safe = _guarded(rows, ctx)
    yield from table_chunks(safe, ctx, ctx.base, header=header)
    reader.finish()


def _fallback_dialect(sample: str) -> SniffedDialect:
    """When the sample is ragged: the delimiter that occurs most in the first line."""
    first = sample.split("\n", 1)[0]
    return SniffedDialect(max(DELIMITERS, key=first.count))


def _guarded(rows: Iterator[list[str]], ctx: ExtractContext) -> Iterator[list[str]]:
    n = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error:
            # Python's csv message may quote the row: keep only where it broke.
            ctx.mark_partial(f"corrupt: malformed delimited text after record {n}")
            return
        n += 1
        yield row
