"""DetectionSummary counts distinct values exactly up to EXACT_MAX, then with a k-minimum-values
sketch of bounded size whose estimate merges across objects. Small K here so the tests run fast."""

from __future__ import annotations

import hashlib

import pytest

from phiscope.model import DetectionSummary


class Small(DetectionSummary):
    __slots__ = ()
    EXACT_MAX = 2_000
    SKETCH_K = 500


def fps(lo: int, hi: int) -> list[str]:
    """Uniform 32-hex fingerprints, like the HMACs detect/ makes."""
    return [hashlib.sha256(str(i).encode()).hexdigest()[:32] for i in range(lo, hi)]


@pytest.mark.parametrize("n", [0, 1, 1_999, 2_000])
def test_exact_up_to_the_limit(n: int) -> None:
    s = Small("US_SSN", "identifier")
    s.add_fingerprints(fps(0, n))
    s.add_fingerprints(fps(0, n))  # repeats are free
    assert s.distinct == n and not s.estimated


@pytest.mark.parametrize("n", [2_001, 20_000, 200_000])
def test_past_the_limit_an_estimate_within_three_standard_errors(n: int) -> None:
    s = Small("US_SSN", "identifier")
    for lo in range(0, n, 7_000):  # in chunks, as detection adds them
        s.add_fingerprints(fps(lo, min(n, lo + 7_000)))
    assert s.estimated
    assert len(s.fingerprints) < 2 * Small.SKETCH_K  # bounded memory
    assert abs(s.distinct - n) / n < 3 / (Small.SKETCH_K - 2) ** 0.5


def test_one_at_a_time_like_free_text() -> None:
    s = Small("EMAIL", "contact")
    for f in fps(0, 30_000):
        s.add_fingerprints((f,))
    assert abs(s.distinct - 30_000) / 30_000 < 0.14
    assert len(s.fingerprints) < 2 * Small.SKETCH_K


@pytest.mark.parametrize(
    ("a", "b", "union"),
    [
        ((0, 50_000), (25_000, 75_000), 75_000),  # both sketched, overlapping
        ((0, 1_000), (0, 60_000), 60_000),  # exact into sketched
        ((0, 60_000), (59_000, 60_500), 60_500),  # sketched absorbs exact
        ((0, 1_500), (1_000, 1_900), 1_900),  # both exact, union stays exact
    ],
)
def test_merge_estimates_the_union(a: tuple[int, int], b: tuple[int, int], union: int) -> None:
    x, y = Small("US_SSN", "identifier"), Small("US_SSN", "identifier")
    x.add_fingerprints(fps(*a))
    y.add_fingerprints(fps(*b))
    x.merge(y)
    if not x.estimated:
        assert x.distinct == union
    else:
        assert abs(x.distinct - union) / union < 3 / (Small.SKETCH_K - 2) ** 0.5
        assert len(x.fingerprints) < 2 * Small.SKETCH_K


def test_the_sample_is_the_smallest_fingerprints_so_stored_caps_agree() -> None:
    s = Small("US_SSN", "identifier")
    values = fps(0, 10_000)
    s.add_fingerprints(values)
    assert sorted(s.fingerprints)[: Small.SKETCH_K] == sorted(values)[: Small.SKETCH_K]


@pytest.mark.parametrize("shape", ["uniform", "skewed", "few"])
def test_smallest_equals_a_full_sort(shape: str) -> None:
    """The shortcut for uniform fingerprints (sort only those under the k/n quantile) and its
    fallback (fingerprints that are not uniform) both give the k smallest."""
    s = Small("US_SSN", "identifier")
    values = fps(0, 6_000)
    if shape == "skewed":  # all in the top half of the range: under the bound there are too few
        values = ["f" + v[1:] for v in values]
    elif shape == "few":
        values = values[:300]
    s.fingerprints = set(values)
    k = Small.SKETCH_K
    assert s._smallest(k) == sorted(set(values))[:k]
