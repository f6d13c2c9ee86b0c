"""Scan throughput per provider on loopback emulators: the same synthetic telehealth folder in an S3
bucket (moto), an Azure container (Azurite) and a GCS bucket (gcp-storage-emulator).

    .venv/bin/python bench/cloud_scan.py [--people 300] [--copies 30] [--workers 2]

Prints objects, MB, seconds and objects/s for each provider, the local folder as the no-network
floor. Emulators are not clouds: the numbers compare connector overhead, not cloud latency.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from phiscope.db.store import Store
from phiscope.demo import upload_tree
from phiscope.demo_cloud import upload_azure, upload_gcs
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.storage.azure import make_service_client
from phiscope.storage.embedded import EmbeddedS3
from phiscope.storage.emulators import AZURITE_ACCOUNT, Azurite, EmbeddedGCS
from phiscope.storage.gcs import make_client as gcs_client
from phiscope.storage.s3 import make_client
from phiscope.synth import telehealth


def scan(target: str, tmp: Path, workers: int, **kw: object) -> tuple[int, int, float]:
    db = Store.open(f"sqlite:///{tmp / (str(abs(hash(target))) + '.db')}")
    cfg = ScanConfig(
        targets=[target], full=True, ocr=False, audio=False, workers=workers, secret=b"b" * 32, **kw
    )
    t0 = time.perf_counter()
    sid = Scanner(cfg, db).run()
    dt = time.perf_counter() - t0
    rows = db.bucket_rows(sid)
    return sum(r["objects_total"] for r in rows), sum(r["bytes_total"] for r in rows), dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=300)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--copies", type=int, default=30, help="copies of the exports folder (more objects)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as t, EmbeddedS3() as s3, Azurite() as az, EmbeddedGCS() as gcs:
        tmp = Path(t)
        data = tmp / "b"
        telehealth.build(data, people=a.people, audio=False, images=False)
        src = tmp / "one" / "medcall-exports"
        for i in range(a.copies):
            for f in (data / "medcall-exports").rglob("*"):
                if f.is_file():
                    dest = src / f"copy{i:03}" / f.relative_to(data / "medcall-exports")
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(f.read_bytes())
        os.environ.update(
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AZURE_STORAGE_CONNECTION_STRING=az.connection_string,
            STORAGE_EMULATOR_HOST=gcs.endpoint_url,
        )
        upload_tree(make_client("s3", endpoint_url=s3.endpoint_url, region="us-east-1"), tmp / "one")
        upload_azure(make_service_client(AZURITE_ACCOUNT), src, "bench")
        upload_gcs(gcs_client(), src, "bench-gcs")
        runs = {
            "local": scan(str(src), tmp, a.workers),
            "s3 (moto)": scan(
                "s3://medcall-exports", tmp, a.workers, endpoint_url=s3.endpoint_url, anonymous=False
            ),
            "azure (Azurite)": scan(f"az://{AZURITE_ACCOUNT}/bench", tmp, a.workers, anonymous=False),
            "gcs (emulator)": scan("gs://bench-gcs", tmp, a.workers, anonymous=False),
        }
    print(f"{'provider':18} {'objects':>8} {'MB':>8} {'seconds':>8} {'objects/s':>10}")
    for name, (n, b, dt) in runs.items():
        print(f"{name:18} {n:8d} {b / 1e6:8.2f} {dt:8.2f} {n / dt:10.1f}")


if __name__ == "__main__":
    main()
