"""Sampling budgets: parsing and the stratified draw across prefixes and types."""

from __future__ import annotations

import pytest

from phiscope.model import ObjectRef
from phiscope.scan.sampling import Budget, parse_budget, select


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, Budget()),
        ("", Budget()),
        ("500", Budget(objects=500)),
        ("10%", Budget(percent=10.0)),
        ("2GB", Budget(bytes=2 * 1024**3)),
        ("1.5m", Budget(bytes=int(1.5 * 1024**2))),
        ("1000,5GB", Budget(objects=1000, bytes=5 * 1024**3)),
        ("25%,100", Budget(objects=100, percent=25.0)),
    ],
)
def test_parse_budget(spec: str | None, expected: Budget) -> None:
    assert parse_budget(spec) == expected


@pytest.mark.parametrize("bad", ["0%", "101%", "lots", "5 parsecs"])
def test_parse_budget_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_budget(bad)


def _refs() -> list[ObjectRef]:
    logs = [ObjectRef("b", f"logs/{i}.log", 100) for i in range(900)]
    forms = [ObjectRef("b", f"forms/{i}.pdf", 1000) for i in range(10)]
    csvs = [ObjectRef("b", f"exports/{i}.csv", 500) for i in range(90)]
    return logs + forms + csvs


def test_unlimited_budget_takes_everything() -> None:
    chosen, sampled = select(_refs(), Budget())
    assert len(chosen) == 1000 and not sampled


def test_sample_spreads_across_strata() -> None:
    chosen, sampled = select(_refs(), Budget(percent=3), seed=1)
    assert sampled and len(chosen) == 30
    tops = {r.key.split("/")[0] for r in chosen}
    assert tops == {"logs", "forms", "exports"}  # a tiny folder of forms is not drowned by logs


def test_byte_budget_is_respected_and_deterministic() -> None:
    a, _ = select(_refs(), Budget(bytes=20_000), seed=4)
    b, _ = select(_refs(), Budget(bytes=20_000), seed=4)
    assert sum(r.size for r in a) <= 20_000
    assert a == b
    assert len({r.key for r in a}) == len(a)


def test_object_budget_caps() -> None:
    chosen, sampled = select(_refs(), Budget(objects=7))
    assert len(chosen) == 7 and sampled
