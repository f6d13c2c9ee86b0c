"""Executors: the local process pool and a Ray cluster (head + one worker node on loopback) give the
same report, object for object."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import S3Server
from phiscope.db.store import Store
from phiscope.scan.executors import LAST_RAY_RUN, RayExecutor, make_executor
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report

ray = pytest.importorskip("ray")

from ray_cluster import RayCluster  # noqa: E402

ROW = "name,dob,ssn,diagnosis\nAda Quinn,19{:02}-03-04,123-45-{:04},Essential hypertension\n"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayCluster]:
    with RayCluster(tmp_path_factory.mktemp("ray"), workers=1, cpus=1) as c:
        ray.init(address=c.address, _node_ip_address="127.0.0.1", log_to_driver=False, logging_level="ERROR")
        try:
            c.wait_nodes(ray, 2)
            yield c
        finally:
            ray.shutdown()


def _objects(report: dict) -> list[tuple]:
    return [
        (
            o["bucket"],
            o["key"],
            o["status"],
            o["reason"],
            o["content_type"],
            o["contains_phi"],
            o["health"],
            sorted(
                (d["type"], d["count"], d["distinct"], tuple(d["masked_examples"])) for d in o["detections"]
            ),
        )
        for o in report["objects"]
    ]


def _scan(tmp_path: Path, name: str, **kw: object) -> dict:
    db = Store.open(f"sqlite:///{tmp_path / (name + '.db')}")
    cfg = ScanConfig(secret=b"k" * 32, workers=2, batch_objects=8, **kw)  # type: ignore[arg-type]
    return build_report(db, Scanner(cfg, db).run())


def test_unknown_executor_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor(ScanConfig(targets=[], executor="dask"))


def test_ray_and_local_pool_report_the_same_objects(cluster: RayCluster, tmp_path: Path) -> None:
    root = tmp_path / "data" / "bkt"
    for i in range(40):
        d = root / f"p{i % 4}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"o{i:03}.csv").write_text(ROW.format(i, 1000 + i) if i % 3 == 0 else f"note {i}\n")
    (root / "big.txt").write_text("Ada Quinn SSN 123-45-6789 diagnosed with diabetes\n" * 20_000)
    (root / "noise.bin").write_bytes(bytes(range(256)) * 8)
    from PIL import Image, ImageDraw

    img = Image.new("L", (900, 120), 255)
    ImageDraw.Draw(img).text((10, 40), "Patient Ada Quinn SSN 123-45-6789", fill=0, font_size=36)
    img.save(root / "scan.png")  # read by the node's media actor (OCR model loaded once there)
    local = _scan(tmp_path, "local", targets=[str(root)])
    remote = _scan(tmp_path, "ray", targets=[str(root)], executor="ray")
    assert len(remote["objects"]) == 43 and LAST_RAY_RUN["media_calls"] == 1
    assert _objects(remote) == _objects(local)
    assert remote["impact"]["people_affected"] == local["impact"]["people_affected"] > 10
    # both nodes of the cluster took part
    assert LAST_RAY_RUN["objects"] == 43 and len(LAST_RAY_RUN["nodes"]) == 2
    png = next(o for o in remote["objects"] if o["key"] == "scan.png")
    assert png["status"] in ("complete", "partial") and png["content_type"].startswith("image/")


def test_ray_workers_fetch_s3_objects_themselves(cluster: RayCluster, s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket("ray")
    for i in range(24):
        body = ROW.format(i, 3000 + i) if i % 4 == 0 else f"meeting notes {i}\n"
        s3.client.put_object(Bucket=bucket, Key=f"d/{i:03}.csv", Body=body.encode())
    kw = {"targets": [f"s3://{bucket}"], "endpoint_url": s3.endpoint_url, "anonymous": False}
    local = _scan(tmp_path, "local", **kw)
    remote = _scan(tmp_path, "ray", executor="ray", **kw)
    assert _objects(remote) == _objects(local) and len(remote["objects"]) == 24
    assert remote["impact"]["people_affected"] == 6


def test_a_lost_task_marks_its_objects_never_drops_them() -> None:
    from phiscope.model import ObjectRef
    from phiscope.scan.executors import _results

    class Gone:
        @staticmethod
        def get(ref: object) -> object:
            raise RuntimeError("node died")

    refs = [ObjectRef("b", "k1", 1), ObjectRef("b", "k2", 1)]
    out = _results(Gone, object(), refs)
    assert [(r.ref.key, r.status.value, r.reason) for r in out] == [
        ("k1", "skipped", "executor error (RuntimeError)"),
        ("k2", "skipped", "executor error (RuntimeError)"),
    ]
    assert RayExecutor("auto").address == "auto"
