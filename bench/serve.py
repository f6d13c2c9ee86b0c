"""Dashboard speed at scale: overview and findings pages over a generated database of N findings.

Generates one finished scan with N data findings (object × type) spread over 20 buckets of mixed
exposure, on SQLite and/or a throwaway PostgreSQL server (Debian's binaries, as the tests use), then
times the pages through the real app (auth middleware, SQL, templates) with an in-process client:

    .venv/bin/python bench/serve.py --findings 1000000 --db sqlite,postgresql

Printed per backend: generation time, the one-time summary of the finished scan (cached in the
database afterwards), and median / worst of several requests per page. Target: < 300 ms for the
overview and a filtered findings page. Values are synthetic masks; nothing sensitive is generated.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "db"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "serve"))

TYPES = [
    ("US_SSN", "identity"),
    ("PERSON_NAME", "identity"),
    ("DATE_OF_BIRTH", "identity"),
    ("EMAIL", "contact"),
    ("PHONE", "contact"),
    ("POSTAL_ADDRESS", "contact"),
    ("HEALTH_CONDITION", "health"),
    ("US_NPI", "provider"),
    ("IP_ADDRESS", "network"),
    ("CREDIT_CARD", "financial"),
]
PUBLIC_POLICY = {
    "public": True,
    "access": {"anonymous": {"list": True, "read": True}, "any_aws_account": {"list": True, "read": True}},
    "reasons": ["bucket policy statement PublicRead allows Principal * s3:GetObject"],
    "evidence": [
        {"kind": "policy", "level": "bucket", "sid": "PublicRead", "effect": "Allow", "text": "..."}
    ],
}
AUTH_ONLY = {
    "public": False,
    "access": {"any_aws_account": {"read": True}},
    "reasons": ["ACL grants AuthUsers"],
}
PRIVATE = {"public": False, "access": {}, "reasons": []}


def generate(url: str, findings: int, per_object: int = 5, seed: int = 7) -> str:
    from sqlalchemy import insert

    from phiscope.db.schema import buckets, detections, objects, scans
    from phiscope.db.store import connect

    rnd = random.Random(seed)
    engine = connect(url)
    scan_id = "bench-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    n_objects = findings // per_object
    names = [f"bench-bucket-{i:02d}" for i in range(20)]
    exposure = {n: PUBLIC_POLICY if i < 4 else AUTH_ONLY if i < 7 else PRIVATE for i, n in enumerate(names)}
    now = datetime.now(UTC)
    with engine.begin() as c:
        c.execute(
            insert(scans).values(
                id=scan_id,
                started_at=now,
                finished_at=now,
                state="finished",
                targets=["s3://"],
                endpoint=None,
                mode="owner",
                options={},
                phiscope_version="bench",
            )
        )
        c.execute(
            insert(buckets),
            [
                {
                    "scan_id": scan_id,
                    "name": n,
                    "endpoint": None,
                    "region": "eu-west-3" if i % 3 == 0 else "us-east-1",
                    "exposure": exposure[n],
                    "exposure_errors": [],
                    "public": bool(exposure[n].get("public")),
                    "objects_total": n_objects // 20,
                    "bytes_total": n_objects // 20 * 4096,
                    "objects_selected": n_objects // 20,
                    "sampled": False,
                }
                for i, n in enumerate(names)
            ],
        )
    obj_batch, det_batch = 20_000, 20_000
    next_obj = 1
    with engine.begin() as c:
        for start in range(0, n_objects, obj_batch):
            rows_o, rows_d = [], []
            for i in range(start, min(n_objects, start + obj_batch)):
                b = names[i % 20]
                health = rnd.random() < 0.6
                rows_o.append(
                    {
                        "id": next_obj,
                        "scan_id": scan_id,
                        "bucket": b,
                        "key": f"exports/{i // 1000:04d}/patients-{i:07d}.csv",
                        "size": 4096,
                        "etag": None,
                        "storage_class": "STANDARD",
                        "content_type": "text/csv",
                        "status": "complete",
                        "reason": None,
                        "contains_phi": True,
                        "health": health,
                        "categories": ["identity", "health"] if health else ["identity"],
                        "organisations": [],
                        "bytes_read": 4096,
                        "seconds": 0.01,
                        "finished_at": now,
                    }
                )
                for t, cat in rnd.sample(TYPES, per_object):
                    rows_d.append(
                        {
                            "object_id": next_obj,
                            "type": t,
                            "category": cat,
                            "count": rnd.randint(1, 400),
                            "confidence": 0.9,
                            "locations": [{"row": rnd.randint(1, 400), "column": "c"}],
                            "masked_examples": ["***-**-" + f"{rnd.randint(0, 9999):04d}"],
                            "fingerprints": [],
                            "distinct_values": 1,
                        }
                    )
                next_obj += 1
            c.execute(insert(objects), rows_o)
            for k in range(0, len(rows_d), det_batch):
                c.execute(insert(detections), rows_d[k : k + det_batch])
    from sqlalchemy import text

    with engine.begin() as c:
        c.execute(text("ANALYZE"))  # fresh statistics, as after any bulk load
    return scan_id


def timed(client: Any, path: str, runs: int) -> tuple[float, float, int]:
    ms = []
    status = 0
    for _ in range(runs):
        t = time.perf_counter()
        r = client.get(path)
        ms.append((time.perf_counter() - t) * 1000)
        status = r.status_code
        assert status == 200, (path, status, r.text[:300])
    return statistics.median(ms), max(ms), status


def bench(url: str, label: str, findings: int, runs: int) -> None:
    from serve_helpers import add_users, login
    from starlette.testclient import TestClient

    from phiscope.serve import queries
    from phiscope.serve.app import create_app

    t = time.perf_counter()
    sid = generate(url, findings)
    gen_s = time.perf_counter() - t
    add_users(url)
    app = create_app(url, mutelist=Path(tempfile.mkdtemp()) / "mutelist.yaml")
    engine = app.state.settings.engine
    t = time.perf_counter()
    summ = queries.scan_summary(engine, sid)
    cold_s = time.perf_counter() - t
    c = TestClient(app, follow_redirects=False)
    assert login(c, "vera").status_code == 303
    print(f"\n== {label}: {summ['findings_total']:,} findings ({findings:,} generated in {gen_s:.0f} s)")
    print(f"   one-time summary of the finished scan (then cached): {cold_s:.1f} s")
    pages = [
        ("overview", "/"),
        ("findings, filtered: bucket + min severity high", "/findings?bucket=bench-bucket-02&severity=high"),
        ("findings, filtered: type + category", "/findings?type=US_SSN&category=identity"),
        (
            "findings, filtered: bucket + key prefix",
            "/findings?bucket=bench-bucket-05&prefix=exports/0100/&type=EMAIL",
        ),
        (
            "findings, filtered: exposure anonymous:read, by count",
            "/findings?exposure=anonymous:read&sort=count",
        ),
        ("findings, unfiltered, severity order", "/findings"),
        ("findings, unfiltered, page 500", "/findings?page=500"),
        ("API findings, filtered", f"/api/v1/scans/{sid}/findings?bucket=bench-bucket-02&severity=high"),
    ]
    print(f"   {'page':58s} {'median':>9s} {'worst':>9s}  (of {runs})")
    for name, path in pages:
        med, worst, _ = timed(c, path, runs)
        flag = "" if med < 300 else "  <- over 300 ms"
        print(f"   {name:58s} {med:7.0f} ms {worst:7.0f} ms{flag}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=int, default=1_000_000)
    ap.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for kind in args.db.split(","):
        if kind == "sqlite":
            tmp = Path(tempfile.mkdtemp(prefix="phiscope-bench-serve-"))
            bench(f"sqlite:///{tmp / 'bench.db'}", "SQLite", args.findings, args.runs)
        elif kind == "postgresql":
            from pg import TempPostgres, pg_bin

            if pg_bin() is None:
                print("PostgreSQL binaries not installed: skipped")
                continue
            pg = TempPostgres().start()
            try:
                bench(pg.url, "PostgreSQL", args.findings, args.runs)
            finally:
                pg.stop()
        else:
            print(f"unknown --db {kind!r}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
