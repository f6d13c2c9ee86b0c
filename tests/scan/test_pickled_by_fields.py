"""Jobs and results cross to and from the workers pickled as (class, field values) (issue 23: the
default pickling of slots dataclasses cost ~20 µs per object on each side). What comes back must be
equal to what went, whole, including a subclass (which keeps the default)."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from phiscope.model import (
    ContentFindings,
    Detection,
    DetectionSummary,
    Location,
    ObjectRef,
    ObjectResult,
    Status,
    pickled_by_fields,
)
from phiscope.scan.units import StoreSpec
from phiscope.scan.worker import Job


def _result() -> ObjectResult:
    ref = ObjectRef("b", "k/ünï.csv", 42, "etag", datetime(2026, 12, 2, 15, 9, tzinfo=UTC), "STANDARD_IA")
    s = DetectionSummary("US_SSN", "identity")
    s.add(Detection("US_SSN", 0.95, Location(row=3, column="ssn", bbox=(1, 2, 3, 4)), "***-**-6789", "fp1"))
    s.add(Detection("US_SSN", 0.9, Location(page=2, field="SSN"), "***-**-1234", "fp2"))
    findings = ContentFindings(
        detections={"US_SSN": s},
        people=[frozenset({"US_SSN:fp1"}), ("US_SSN:fp2", "NAME_DOB:x")],
        organisations={"org"},
        health=True,
    )
    return ObjectResult(ref, Status.PARTIAL, "cut", "text/csv", findings, 42, 0.25, key_checked=True)


@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_jobs_and_results_come_back_equal(protocol: int) -> None:
    r = _result()
    job = Job(r.ref, "/tmp/x", 42, True, False, root=None, source=StoreSpec("s3", endpoint_url="http://e"))
    for value in (r, job, r.findings, r.ref, job.source):
        back = pickle.loads(pickle.dumps(value, protocol=protocol))
        assert back == value and type(back) is type(value)
    assert pickle.loads(pickle.dumps(r)).findings.detections["US_SSN"].fingerprints == {"fp1", "fp2"}


def test_they_are_pickled_as_their_fields() -> None:
    ref = ObjectRef("b", "k", 1)
    assert ref.__reduce_ex__(5) == (ObjectRef, ("b", "k", 1, None, None, None))


def test_a_subclass_keeps_the_default_pickling() -> None:
    @dataclass(frozen=True, slots=True)
    class Wider(ObjectRef):
        extra: str = "x"

    w = Wider("b", "k", 1, extra="y")
    assert w.__reduce_ex__(5)[0] is not Wider  # not (class, values): the subclass has more fields
    globals()["Wider"] = Wider  # picklable by name
    Wider.__qualname__ = "Wider"
    assert pickle.loads(pickle.dumps(w)) == w


def test_a_field_outside_init_is_refused() -> None:
    @dataclass(slots=True)
    class Odd:
        a: int
        b: list[int] = field(default_factory=list, init=False)

    with pytest.raises(TypeError):
        pickled_by_fields(Odd)
