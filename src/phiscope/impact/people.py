"""Count distinct people from person records that share identifying keys.

A record is one row, form, message or call: the set of keyed fingerprints that identify the person
in it (SSN, MBI, NIR, ... and name+birth date). Two records sharing any key are the same person;
connected components are people. Raw values never reach this module.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

# Keys that identify one person on their own. NAME_DOB is strong in practice but can collide (two
# people with the same name and birth date) or miss (a misspelt name), hence the range below.
WEAK_KINDS = frozenset({"NAME_DOB"})
_WEAK_PREFIXES = tuple(f"{k}:" for k in sorted(WEAK_KINDS))


class _UnionFind:
    __slots__ = ("parent", "strong")

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        # root -> {strong key type: one key of that type}: what a weak key must not contradict
        self.strong: dict[str, dict[str, str]] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            sb = self.strong.pop(rb, None)
            if sb:
                sa = self.strong.setdefault(ra, {})
                for t, k in sb.items():
                    sa.setdefault(t, k)

    def add(self, keys: Iterable[str]) -> None:
        """One record: its strong keys link it to every record sharing one; a weak key (name + birth
        date) links it only to a person whose strong keys do not contradict its own, so two rows
        with different SSNs stay two people even when name and birth date match."""
        parent = self.parent
        keys = tuple(keys)
        if not keys:
            return
        if not any(map(parent.__contains__, keys)):
            # The common case, a person not seen before: one new component, no finds, no unions.
            strong = [k for k in keys if not k.startswith(_WEAK_PREFIXES)]
            first = strong[0] if strong else keys[0]
            for k in keys:
                parent[k] = first
            if strong:
                kinds: dict[str, str] = {}
                for k in strong:
                    kinds.setdefault(k[: k.index(":")] if ":" in k else k, k)
                self.strong[first] = kinds
            return
        self._add_linked(keys)

    def _add_linked(self, keys: tuple[str, ...]) -> None:
        parent, find = self.parent, self.find
        if all(map(parent.__contains__, keys)):
            root = find(keys[0])
            if all(find(k) == root for k in keys[1:]):
                return  # a person seen before with these keys: already linked, nothing to learn
        strong: list[str] = []
        weak: list[str] = []
        for k in keys:
            (weak if k.startswith(_WEAK_PREFIXES) else strong).append(k)
        first = strong[0] if strong else weak[0]
        self.find(first)
        for k in strong:
            r = self.find(k)
            self.strong.setdefault(r, {}).setdefault(k.split(":", 1)[0], k)
            self.union(first, k)
        for k in weak:
            if k not in self.parent or self._compatible(first, k):
                self.union(first, k)

    def roots(self) -> list[tuple[str, str]]:
        """(key, its component's root) for every key: most keys sit right under their root (a new
        person's keys are linked to its first), so a find is made only for the others."""
        parent, find = self.parent, self.find
        return [(k, up if parent[up] == up else find(k)) for k, up in list(parent.items())]

    def _compatible(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        sa, sb = self.strong.get(ra), self.strong.get(rb)
        if not sa or not sb:
            return True
        return all(sb.get(t, k) == k for t, k in sa.items())


def compress_records(records: Iterable[Collection[str]]) -> list[Collection[str]]:
    """Merge one object's records into one record per person found in it.

    Linking is transitive, so replacing records by the union of each connected group changes no
    count, while a 300,000-row export with 1,000 people stores 1,000 records instead of 300,000.
    """
    uf = _UnionFind()
    # A record seen again changes nothing (its keys are already linked as they can be): rows of
    # one person repeat in exports (one per visit, claim, line), so each distinct record once.
    try:
        distinct: Iterable[Collection[str]] = dict.fromkeys(records)
    except TypeError:  # unhashable records (sets): as they come
        distinct = records
    for keys in distinct:
        uf.add(keys)
    groups: dict[str, set[str]] = {}
    for key, root in uf.roots():
        groups.setdefault(root, set()).add(key)
    return [frozenset(g) for g in groups.values()]


@dataclass(slots=True)
class PeopleCount:
    total: int = 0
    # components with at least one strong identifier: the count nobody can dispute
    strong: int = 0
    by_bucket: dict[str, int] = field(default_factory=dict)

    @property
    def range(self) -> tuple[int, int]:
        return (self.strong, self.total)


def count_people(records: Iterable[tuple[str, frozenset[str]]]) -> PeopleCount:
    """Link (bucket, keys) records into people; count overall and per bucket.

    Cost is linear in the number of keys (near-constant union-find operations).
    """
    uf = _UnionFind()
    buckets_of_key: dict[str, set[str]] = {}
    for bucket, keys in records:
        if not keys:
            continue
        uf.add(keys)
        first = next((k for k in keys if not k.startswith(_WEAK_PREFIXES)), None) or next(iter(keys))
        buckets_of_key.setdefault(first, set()).add(bucket)
    roots_strong: dict[str, bool] = {}
    per_bucket: dict[str, set[str]] = {}
    for key, root in uf.roots():
        if not roots_strong.get(root):
            roots_strong[root] = not key.startswith(_WEAK_PREFIXES)
    for key, bks in buckets_of_key.items():
        root = uf.find(key)
        for b in bks:
            per_bucket.setdefault(b, set()).add(root)
    return PeopleCount(
        total=len(roots_strong),
        strong=sum(1 for s in roots_strong.values() if s),
        by_bucket={b: len(r) for b, r in sorted(per_bucket.items())},
    )


METHOD = (
    "Records (a table row, a form, a document, a call) are linked when they share a keyed fingerprint "
    "of a strong identifier (SSN/ITIN, MBI/HICN, NIR/INS, NHS, SIN, MRN) or of name + date of birth "
    "(unless their strong identifiers of one type differ: two SSNs are two people); "
    "each connected group is one person. The range's low end counts only groups holding a strong "
    "identifier; the high end also counts people known only by name + date of birth."
)
