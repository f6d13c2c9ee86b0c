"""Run the identifier, name and health detectors over one object's segments and table chunks.

One engine per worker process: everything is compiled at import or in `__init__`; `scan` does a few
C-speed regex passes per text buffer and Python work only per candidate. Tables go column by column:
a column's kind comes from its header (or a vote over a sample of its values) and only that kind's
check runs over its cells, joined into one string.

Raw values exist only inside this module's locals: what leaves is a `ContentFindings` with masked
excerpts and keyed fingerprints.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable

from phiscope.detect import health
from phiscope.detect.fingerprint import Fingerprinter
from phiscope.detect.kinds import normalise_org
from phiscope.detect.registry import (
    BY_TYPE,
    VALUE_CHECKS,
)
from phiscope.detect.summary import _compact_people, _ObjectState
from phiscope.detect.table import TablePasses
from phiscope.model import ContentFindings, Segment, TableChunk
from phiscope.runtime import gc_paused

YOUNG_MAX = 200_000  # new containers between two young collections while table chunks stream


class DetectionEngine(TablePasses):
    """Holds the compiled passes and the fingerprint key; `scan` one object's items at a time.

    Options: `names` (find person names in free text, default True), `dayfirst` (read ambiguous
    numeric dates day-first, default False), `sample_rows` (values sampled to type an unnamed
    column, default 64). For library callers and benchmarks: a scan builds the engine with defaults.
    """

    def __init__(
        self,
        secret: bytes,
        *,
        names: bool = True,
        dayfirst: bool = False,
        sample_rows: int = 64,
    ) -> None:
        """Fingerprint key and options -> an engine with its vocabularies loaded (once per worker)."""
        self._fp = Fingerprinter(secret)
        # fingerprints of the batch being analysed (see _new_batch)
        self._fp_cache: dict[str, dict[str, str]] = {}  # type → normalised value → fingerprint
        self._key_cache: dict[str, dict[str, str]] = {}  # type → normalised value → person key
        self.find_names = names
        self.dayfirst = dayfirst
        self.sample_rows = sample_rows
        health.vocabulary()
        from phiscope.detect import names as _n

        _n.first_names()
        _n.last_names()

    # -- entry point --------------------------------------------------------------------------

    def scan(self, items: Iterable[Segment | TableChunk]) -> ContentFindings:
        """One object's items (segments, table chunks) -> its ContentFindings (advances the extractor).

        The cyclic collector is off while a batch is analysed, and also from one table chunk to the
        next: the extractor then builds the next chunk's rows (thousands of acyclic lists, freed
        by reference counting once analysed) without the collector walking them, ~10 % of the table
        path. Past `YOUNG_MAX` new containers a young-generation collection runs anyway, so an
        extractor that does leave cycles behind stays bounded. Once a text segment arrives it is
        back on for the items that follow (PDF and office libraries build cyclic structures).
        """
        state = _ObjectState()
        pending: list[Segment] = []
        size = 0
        was = gc.isenabled()
        try:
            for item in items:
                if isinstance(item, TableChunk):
                    gc.disable()
                    if pending:
                        self._scan_segments(pending, state)
                        pending, size = [], 0
                    self._scan_table(item, state)
                    _compact_people(state)
                    if was and gc.get_count()[0] > YOUNG_MAX:
                        gc.collect(0)
                    continue  # the collector stays off while the next chunk is built
                if was:
                    gc.enable()
                pending.append(item)
                size += len(item.text)
                if size > 4_000_000:
                    with gc_paused():
                        self._scan_segments(pending, state)
                    pending, size = [], 0
                    _compact_people(state)
            if pending:
                with gc_paused():
                    self._scan_segments(pending, state)
        finally:
            if was:
                gc.enable()
        state.settle()
        return state.out


__all__ = ["BY_TYPE", "VALUE_CHECKS", "DetectionEngine", "normalise_org"]
