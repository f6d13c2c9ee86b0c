"""Small objects in batches per worker task: the same results as one object per task."""

from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import S3Server
from phiscope.db.store import Store
from phiscope.model import ObjectRef
from phiscope.scan.batch import SMALL_BYTES, plan
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report

ROW = "name,dob,ssn,diagnosis\nAda Quinn,19{:02}-03-04,123-45-{:04},Essential hypertension\n"


def test_plan_batches_small_plain_objects_only() -> None:
    a, b = object(), object()
    todo = [
        (a, ObjectRef("x", "1.csv", 10)),
        (a, ObjectRef("x", "2.txt", 10)),
        (a, ObjectRef("x", "bomb.zip", 10)),  # small, but an archive: alone
        (a, ObjectRef("x", "scan.pdf", 10)),
        (a, ObjectRef("x", "big.csv", SMALL_BYTES + 1)),
        (a, ObjectRef("x", "3.json", 10)),
        (b, ObjectRef("y", "4.csv", 10)),  # another bucket: another batch
    ]
    out = list(plan(todo, size=2))
    shape = [(t is a, [r.key for r in x] if isinstance(x, list) else x.key) for t, x in out]
    assert shape == [
        (True, ["1.csv", "2.txt"]),
        (True, "bomb.zip"),
        (True, "scan.pdf"),
        (True, "big.csv"),
        (True, ["3.json"]),
        (False, ["4.csv"]),
    ]
    assert all(not isinstance(x, list) for _, x in plan(todo, size=1))


def _objects(report: dict) -> list[tuple]:
    return [
        (
            o["bucket"],
            o["key"],
            o["status"],
            o["reason"],
            o["contains_phi"],
            sorted((d["type"], d["count"], d["distinct"]) for d in o["detections"]),
        )
        for o in report["objects"]
    ]


def _scan(tmp_path: Path, name: str, **kw: object) -> dict:
    db = Store.open(f"sqlite:///{tmp_path / (name + '.db')}")
    cfg = ScanConfig(secret=b"k" * 32, workers=2, **kw)  # type: ignore[arg-type]
    return build_report(db, Scanner(cfg, db).run())


def test_local_batches_report_object_for_object_like_single_tasks(tmp_path: Path) -> None:
    root = tmp_path / "data" / "bkt"
    for i in range(150):
        d = root / f"p{i % 3}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"o{i:03}.csv").write_text(ROW.format(i // 5, 1000 + i) if i % 5 == 0 else f"note {i}\n")
    (root / "bad.bin").write_bytes(bytes(range(256)) * 4)
    one = _scan(tmp_path, "one", targets=[str(root)], batch_objects=1)
    many = _scan(tmp_path, "many", targets=[str(root)], batch_objects=16)
    assert len(many["objects"]) == 151
    assert _objects(one) == _objects(many)
    assert many["impact"]["people_affected"] == one["impact"]["people_affected"] == 30


def test_s3_batches_match_and_leave_no_spooled_copies(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket("batch")
    for i in range(60):
        body = ROW.format(i // 4, 2000 + i) if i % 4 == 0 else f"meeting notes {i}\n"
        s3.client.put_object(Bucket=bucket, Key=f"d/{i:03}.csv", Body=body.encode())
    spool = Path(tempfile.gettempdir())
    before = set(spool.glob("phiscope-obj-*"))
    kw = {"targets": [f"s3://{bucket}"], "endpoint_url": s3.endpoint_url, "anonymous": False}
    one = _scan(tmp_path, "one", batch_objects=1, **kw)
    many = _scan(tmp_path, "many", batch_objects=8, **kw)
    assert len(many["objects"]) == 60 and _objects(one) == _objects(many)
    assert many["impact"]["people_affected"] == 15
    assert set(spool.glob("phiscope-obj-*")) <= before
