"""People counting (impact/people.py) against a plain reference: the fast paths added for scale
(repeated records skipped, a new person's keys linked without finds and unions, grouping without a
find per key) must give the same people, the same strong count and the same per-bucket counts."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from phiscope.impact.people import compress_records, count_people

WEAK = "NAME_DOB"


class _Reference:
    """The straightforward union-find with the weak-key rule, one find per key, no shortcuts."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.strong: dict[str, dict[str, str]] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            for t, k in self.strong.pop(rb, {}).items():
                self.strong.setdefault(ra, {}).setdefault(t, k)

    def compatible(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        sa, sb = self.strong.get(ra), self.strong.get(rb)
        return ra == rb or not sa or not sb or all(sb.get(t, k) == k for t, k in sa.items())

    def add(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        strong = [k for k in keys if k.split(":")[0] != WEAK]
        weak = [k for k in keys if k.split(":")[0] == WEAK]
        if not keys:
            return
        first = strong[0] if strong else weak[0]
        self.find(first)
        for k in strong:
            self.strong.setdefault(self.find(k), {}).setdefault(k.split(":")[0], k)
            self.union(first, k)
        for k in weak:
            if k not in self.parent or self.compatible(first, k):
                self.union(first, k)

    def groups(self) -> list[frozenset[str]]:
        out: dict[str, set[str]] = {}
        for k in list(self.parent):
            out.setdefault(self.find(k), set()).add(k)
        return [frozenset(g) for g in out.values()]


def _canon(groups: Iterable[Collection[str]]) -> list[list[str]]:
    return sorted(sorted(g) for g in groups)


keys = st.builds(
    lambda t, v: f"{t}:{v}", st.sampled_from(["US_SSN", "MRN", "US_MBI", WEAK]), st.integers(0, 9)
)
record = st.lists(keys, min_size=1, max_size=4, unique=True)
records = st.lists(st.one_of(record.map(tuple), record.map(frozenset)), max_size=40)


@settings(max_examples=400, deadline=None)
@given(records, st.data())
def test_compress_and_count_match_the_reference(recs: list[Collection[str]], data: st.DataObject) -> None:
    recs = recs + data.draw(st.lists(st.sampled_from(recs), max_size=6)) if recs else recs  # repeats
    ref = _Reference()
    for r in recs:
        ref.add(r)
    assert _canon(compress_records(recs)) == _canon(ref.groups())

    buckets = data.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=len(recs), max_size=len(recs)))
    pairs = [(b, frozenset(r)) for b, r in zip(buckets, recs, strict=True)]
    got = count_people(pairs)
    # the weak-key rule depends on the order of a record's keys (which strong keys a name + birth
    # date meets first): the reference reads each record in the order count_people gets it
    ref = _Reference()
    for _, r in pairs:
        ref.add(r)
    assert got.total == len(ref.groups())
    assert got.strong == sum(1 for g in ref.groups() if any(k.split(":")[0] != WEAK for k in g))
    for b in ("a", "b", "c"):
        mine = [r for bb, r in pairs if bb == b]
        # a record counts where its first strong key (else its first key) is, as count_people says
        firsts = [next((k for k in r if k.split(":")[0] != WEAK), None) or next(iter(r)) for r in mine]
        roots = {ref.find(k) for k in firsts}
        assert got.by_bucket.get(b, 0) == len(roots)


def test_two_ssns_stay_two_people_when_name_and_birth_date_match() -> None:
    rows = [("US_SSN:1", f"{WEAK}:x"), ("US_SSN:2", f"{WEAK}:x")] * 3
    assert len(compress_records(rows)) == 2
    assert count_people([("b", frozenset(r)) for r in rows]).total == 2
