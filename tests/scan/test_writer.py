"""The batched database writer: one transaction per batch, still an exact resume ledger."""

from __future__ import annotations

from pathlib import Path

from phiscope.db.store import Store
from phiscope.model import ObjectRef, ObjectResult, Status
from phiscope.scan.writer import BatchWriter


def _store(tmp_path: Path) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    store.create_scan("s1", targets=["x"], endpoint=None, mode="local", options={}, version="t")
    return store


def _result(i: int, seconds: float = 0.001) -> ObjectResult:
    return ObjectResult(ObjectRef("b", f"k{i:04}", 10), Status.COMPLETE, seconds=seconds)


def test_objects_are_written_a_batch_at_a_time_and_reported_after_commit(tmp_path: Path) -> None:
    store = _store(tmp_path)
    seen: list[int] = []

    def written(batch: list[ObjectResult]) -> None:
        # called after the commit: every object it reports is already in the ledger
        assert {r.ref.key for r in batch} <= {k for _, k in store.finished_keys("s1")}
        seen.append(len(batch))

    w = BatchWriter(store, max_objects=50, max_wait_seconds=3600, on_written=written)
    for i in range(120):
        w.add("s1", _result(i))
    assert seen == [50, 50] and len(store.finished_keys("s1")) == 100  # 20 still buffered
    w.flush()
    assert seen == [50, 50, 20] and len(store.finished_keys("s1")) == 120


def test_expensive_objects_are_made_durable_at_once(tmp_path: Path) -> None:
    store = _store(tmp_path)
    w = BatchWriter(store, max_objects=1000, max_work_seconds=2.0, max_wait_seconds=3600)
    w.add("s1", _result(1, seconds=0.5))
    assert store.finished_keys("s1") == set()
    w.add("s1", _result(2, seconds=5.0))  # an OCR'd scan: not left in memory
    assert store.finished_keys("s1") == {("b", "k0001"), ("b", "k0002")}


def test_a_batch_never_duplicates_an_object_already_recorded(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.record_objects("s1", [_result(1), _result(2)]) == 2
    assert store.record_objects("s1", [_result(2), _result(3), _result(3)]) == 1
    assert store.record_object("s1", _result(1)) is False
    assert sorted(k for _, k in store.finished_keys("s1")) == ["k0001", "k0002", "k0003"]
