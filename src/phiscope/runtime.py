"""Process-level tuning of CPython's cyclic garbage collector for the scan's hot paths.

Parsing and detection allocate hundreds of thousands of short-lived, acyclic containers (table rows,
regex group tuples, per-row person records). Each 700 allocations start a collection that walks the
young ones, and the survivors are walked again by the older generations: ~8 % of the table path,
for nothing collected (measured with gc.callbacks on the 20,000-row bench).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while one batch is built or analysed.

    The code inside builds no cycle, and whatever it leaves is collected as usual afterwards. The
    collector is only re-enabled if it was on (a caller that turned it off keeps it off).
    """
    was = gc.isenabled()
    if was:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def settle_heap() -> None:
    """Move what the process built at start-up (modules, compiled patterns, name dictionaries, the
    detection engine) out of the collector's generations: it lives as long as the process, and
    every full collection would otherwise walk all of it again (~14 ms per collection for the
    detection modules alone). Called once per worker process, after its engine is built."""
    gc.collect()
    gc.freeze()
