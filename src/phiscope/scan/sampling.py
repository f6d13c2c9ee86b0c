"""Choose which objects of a bucket to read within a budget, spread across prefixes and types.

Like Macie's sampling: a budget in objects, bytes or percent; objects are drawn round-robin from
strata (top-level prefix × file extension) in a seeded random order, so a 10 % sample of a bucket
with one huge folder of logs and a small folder of forms still reads forms. Cost: O(n log n) in
the number of listed objects.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from phiscope.model import ObjectRef

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}
_UNITS["t"] = _UNITS["tb"] = 1024**4


@dataclass(frozen=True, slots=True)
class Budget:
    """At most `objects` objects and `bytes` bytes, or `percent` of the objects (None = no limit)."""

    objects: int | None = None
    bytes: int | None = None
    percent: float | None = None

    @property
    def unlimited(self) -> bool:
        return self.objects is None and self.bytes is None and self.percent is None


def parse_budget(spec: str | None) -> Budget:
    """'500' objects, '10%' of objects, '2GB' bytes; comma-separated specs combine ('1000,5GB')."""
    if not spec:
        return Budget()
    objects = size = None
    percent = None
    for part in (p.strip().lower() for p in spec.split(",") if p.strip()):
        if part.endswith("%"):
            percent = float(part[:-1])
            if not 0 < percent <= 100:
                raise ValueError(f"sample percentage out of range: {part}")
            continue
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?b?)", part)
        if not m:
            raise ValueError(f"cannot read sample budget {part!r} (examples: 500, 10%, 2GB)")
        value, unit = float(m.group(1)), m.group(2)
        if unit:
            size = int(value * _UNITS[unit])
        else:
            objects = int(value)
    return Budget(objects=objects, bytes=size, percent=percent)


def stratum(ref: ObjectRef) -> tuple[str, str]:
    """(top-level prefix, lower-case extension): the unit the sample is spread over and estimated by."""
    top = ref.key.split("/", 1)[0] if "/" in ref.key else ""
    name = ref.key.rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return top, ext


def select(refs: Iterable[ObjectRef], budget: Budget, *, seed: int = 0) -> tuple[list[ObjectRef], bool]:
    """The objects to scan and whether that is a sample (True) or everything (False)."""
    all_refs = list(refs)
    if budget.unlimited:
        return all_refs, False
    max_objects = len(all_refs)
    if budget.percent is not None:
        max_objects = min(max_objects, max(1, round(len(all_refs) * budget.percent / 100)))
    if budget.objects is not None:
        max_objects = min(max_objects, budget.objects)
    max_bytes = budget.bytes
    strata: dict[tuple[str, str], list[ObjectRef]] = defaultdict(list)
    for r in all_refs:
        strata[stratum(r)].append(r)
    rng = random.Random(seed)
    queues = []
    for key in sorted(strata):
        items = strata[key]
        rng.shuffle(items)
        queues.append(items)
    chosen: list[ObjectRef] = []
    used = 0
    while queues and len(chosen) < max_objects:
        nxt = []
        for q in queues:
            if len(chosen) >= max_objects:
                break
            r = q.pop()
            if max_bytes is None or used + r.size <= max_bytes:  # too big: skip it, smaller ones may fit
                chosen.append(r)
                used += r.size
            if q:
                nxt.append(q)
        queues = nxt
    chosen.sort(key=lambda r: r.key)
    return chosen, len(chosen) < len(all_refs)
