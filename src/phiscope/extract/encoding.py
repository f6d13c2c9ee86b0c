"""Text encodings and bounded line reading.

Buckets hold exports from every kind of system: UTF-8 with and without BOM, UTF-16 from Windows
tools, Latin-1/CP1252 from old EHRs. We guess once from the head, then decode incrementally so a
multi-GB log never sits in memory, and cap line length so one 50 MB line cannot either.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO

from phiscope.extract.base import ExtractContext

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SINGLE_BYTE = ("cp125", "iso8859", "latin", "mac_", "cp437", "cp850", "koi8")

# Counts undecodable byte runs replaced anywhere in this process; readers compare before/after.
_REPLACED = [0]


def _count_and_replace(err: UnicodeError) -> tuple[str, int]:
    _REPLACED[0] += 1
    if isinstance(err, UnicodeDecodeError):
        return "\ufffd", err.end
    raise err


codecs.register_error("phiscope-replace", _count_and_replace)


def bom(head: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) when the head starts with a byte-order mark."""
    for mark, enc in _BOMS:
        if head.startswith(mark):
            return enc, len(mark)
    return None


def utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without BOM: ASCII-range text leaves a NUL in every other byte."""
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    n = len(odd)
    odd_nul = odd.count(0) / max(n, 1)
    even_nul = even.count(0) / max(len(even), 1)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _valid_utf8(head: bytes, complete: bool) -> bool:
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        # A multi-byte character cut by the end of the sample is still valid UTF-8.
        return not complete and e.start >= len(head) - 3 and e.reason == "unexpected end of data"


def detect(head: bytes, complete: bool = False) -> tuple[str, int]:
    """(Python codec name, bytes to skip) for text whose first bytes are `head`.

    `complete` says the head is the whole object (so a cut character at the end is a real error).
    """
    found = bom(head)
    if found:
        return found
    u16 = utf16_without_bom(head)
    if u16:
        return u16, 0
    if _valid_utf8(head, complete):
        return "utf-8", 0
    from charset_normalizer import from_bytes

    best = from_bytes(head[:65536]).best()
    enc = best.encoding if best is not None else "cp1252"
    # Small samples make single-byte guesses arbitrary (cp1250 vs cp1252): prefer Western European
    # when it decodes cleanly, the usual case for US/EU exports.
    if enc in ("utf_8", "ascii") or enc.startswith(_SINGLE_BYTE):
        try:
            head.decode("cp1252")
            return "cp1252", 0
        except UnicodeDecodeError:
            pass
    return (enc if enc not in ("utf_8", "ascii") else "latin-1"), 0


def looks_binary(head: bytes) -> bool:
    """NULs or many control bytes (after BOM/UTF-16 checks) mean this is not text."""
    if bom(head) or utf16_without_bom(head):
        return False
    sample = head[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    ctrl = sum(1 for b in sample if b < 32 and b not in (9, 10, 11, 12, 13, 27))
    return ctrl / len(sample) > 0.1


class _Counting(io.RawIOBase):
    """Wraps the object stream: counts bytes and stops at the read budget."""

    def __init__(self, raw: BinaryIO, budget: int) -> None:
        self.raw = raw
        self.budget = budget
        self.consumed = 0
        self.hit_limit = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        room = self.budget - self.consumed
        if room <= 0:
            self.hit_limit = bool(self.raw.read(1))
            return 0
        view = memoryview(b)[: min(len(b), room)]
        data = self.raw.read(len(view))
        n = len(data)
        view[:n] = data
        self.consumed += n
        return n


class TextLines:
    """Iterate decoded lines of a byte stream with a line-length cap and a read budget.

    Yields (line number, text without the newline, byte-ish offset of the line start). Offsets are
    exact for single-byte and UTF-8 text without replacements only when `exact_offsets`; otherwise
    they are character offsets, which is why reports prefer line numbers.
    """

    def __init__(
        self,
        stream: BinaryIO,
        ctx: ExtractContext,
        head: bytes | None = None,
        newline: str | None = None,
        encoding: str | None = None,
    ) -> None:
        stream.seek(0)
        if head is None:
            head = stream.read(65536)
            stream.seek(0)
        skip = 0
        if encoding is None:
            encoding, skip = detect(head, complete=len(head) < 65536)
        self.encoding = encoding
        self.ctx = ctx
        self.max_chars = max(1024, ctx.limits.max_line_bytes)
        self._raw = _Counting(stream, ctx.limits.max_read_bytes)
        if skip:
            self._raw.read(skip)
        buffered = io.BufferedReader(self._raw, buffer_size=1 << 20)
        self._text = io.TextIOWrapper(buffered, encoding=encoding, errors="phiscope-replace", newline=newline)
        self._replaced_before = _REPLACED[0]
        self.truncated_lines = 0

    def __iter__(self) -> Iterator[tuple[int, str]]:
        readline = self._text.readline
        limit = self.max_chars
        n = 0
        ctx = self.ctx
        while True:
            line = readline(limit)
            if not line:
                break
            n += 1
            if len(line) >= limit and not line.endswith(("\n", "\r")):
                # Too long: keep the first `limit` characters, skip the rest without holding it.
                self.truncated_lines += 1
                while True:
                    rest = readline(limit)
                    if not rest or rest.endswith(("\n", "\r")):
                        break
                line += "\n"
            if n & 0x3FF == 0 and ctx.out_of_time():
                ctx.mark_partial("timeout: time budget exceeded")
                return
            yield n, line
        self.finish()

    def finish(self) -> None:
        """Record partial reasons (budget hit, long lines, undecodable bytes)."""
        if self._raw.hit_limit:
            self.ctx.mark_partial(f"limit hit: first {self.ctx.limits.max_read_bytes} bytes read")
        if self.truncated_lines:
            self.ctx.mark_partial(
                f"truncated: {self.truncated_lines} line(s) longer than {self.max_chars} characters"
            )
        if _REPLACED[0] != self._replaced_before:
            self.ctx.mark_partial(f"invalid {self.encoding} bytes replaced")
            self._replaced_before = _REPLACED[0]


def strip_eol(line: str) -> str:
    return line.rstrip("\r\n")
