"""Time-to-alert of `phiscope watch` against the loopback S3 server, with a webhook receiver on loopback.

    .venv/bin/python bench/watch_latency.py [--runs 20] [--interval 5] [--modes sqs,poll] [--csv out.csv]

Per mode, one watcher guards `runs` fresh private buckets; run i then, on bucket i:
  1. makes it public (bucket policy)            → waits for the exposure alert,
  2. puts a CSV with SSNs into the public bucket → waits for the data alert,
  3. closes the exposure (deletes the policy)    → waits for the resolved alert.
Time-to-alert = from the API call's return to the webhook request arriving. Printed: median and worst
per event and mode, against the targets (SQS ≤ 10 s; polling ≤ interval + 10 s). Every alert body is
checked for raw values (a hit aborts the run).

Modes:
- sqs: S3 event notifications to an SQS queue (moto sends them); settings changes reach the queue as
  the CloudTrail management event EventBridge would deliver, put on the queue right after the call
  (moto has no CloudTrail). So the settings figure excludes AWS's CloudTrail→EventBridge delay.
- poll: no queue; listings and settings re-read every --interval seconds.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "watch"))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)

EVENTS = ("public", "csv", "resolved")


def _match(bucket: str, event: str) -> Any:
    want = {
        "public": ("anonymous:read", "open"),
        "csv": ("US_SSN", "open"),
        "resolved": ("anonymous:read", "resolved"),
    }[event]

    def pred(reqs: list[Any]) -> bool:
        for r in reqs:
            b = r.json()
            if b["bucket"] == bucket and any((f["kind"], f["state"]) == want for f in b["findings"]):
                return True
        return False

    return pred


def run_mode(mode: str, runs: int, interval: float, endpoint: str, tmp: Path) -> list[dict[str, Any]]:
    import boto3
    from botocore.config import Config
    from watch_loopback import (
        Receiver,
        assert_no_raw_values,
        cloudtrail_message,
        csv_bytes,
        make_queue,
        notify_queue,
        public_read_policy,
    )

    from phiscope.watch.loop import WatchConfig, Watcher

    s3 = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", config=Config(s3={"addressing_style": "path"})
    )
    stamp = f"{mode}-{int(time.time())}"
    buckets = [f"bench-{stamp}-{i:02d}" for i in range(runs)]
    qurl = None
    sqs: Any = None
    if mode == "sqs":
        sqs, qurl, qarn = make_queue(endpoint, f"bench-{stamp}")
    for b in buckets:
        s3.create_bucket(Bucket=b)
        if qurl:
            notify_queue(s3, b, qarn)
    hook = Receiver().start()
    cfg = WatchConfig(
        targets=[f"s3://{b}" for b in buckets],
        endpoint_url=endpoint,
        queue_url=qurl,
        interval=interval,
        alerts=[f"webhook={hook.url}"],
        db_url=f"sqlite:///{tmp / f'{stamp}.db'}",
        ocr=False,
        audio=False,
        max_alerts_per_bucket=100,
    )
    watcher = Watcher(cfg)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    rows: list[dict[str, Any]] = []
    try:
        # the watcher's first pass (baseline) is done once it has evaluated every bucket
        deadline = time.monotonic() + 120
        while watcher.ws.get_state("last_pass") is None and time.monotonic() < deadline:
            watcher.wake.wait(0.1)
        for i, b in enumerate(buckets):
            for event in EVENTS:
                t0 = time.monotonic()
                if event == "public":
                    s3.put_bucket_policy(Bucket=b, Policy=public_read_policy(b))
                    t0 = time.monotonic()
                    if sqs is not None:
                        sqs.send_message(QueueUrl=qurl, MessageBody=cloudtrail_message(b, "PutBucketPolicy"))
                elif event == "csv":
                    s3.put_object(Bucket=b, Key=f"exports/run-{i}.csv", Body=csv_bytes())
                    t0 = time.monotonic()
                else:
                    s3.delete_bucket_policy(Bucket=b)
                    t0 = time.monotonic()
                    if sqs is not None:
                        sqs.send_message(
                            QueueUrl=qurl, MessageBody=cloudtrail_message(b, "DeleteBucketPolicy")
                        )
                ok = hook.wait_for(_match(b, event), timeout=interval + 60)
                arrived = None
                if ok:
                    with hook.cond:
                        arrived = min(r.at for r in hook.requests if _match(b, event)([r]))
                rows.append(
                    {
                        "mode": mode,
                        "run": i,
                        "event": event,
                        "seconds": round(arrived - t0, 3) if arrived is not None else None,
                    }
                )
    finally:
        watcher.stop()
        thread.join(60)
        hook.stop()
    for r in hook.requests:
        assert_no_raw_values(r.body.decode())
    print(f"{mode}: {len(hook.requests)} alert bodies checked for raw values: none found")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--interval", type=float, default=5.0, help="watch interval (polling and drift), seconds")
    ap.add_argument("--modes", default="sqs,poll")
    ap.add_argument("--csv", type=Path, default=None, help="write every measurement here")
    args = ap.parse_args()
    import logging
    import tempfile

    from phiscope.storage.embedded import EmbeddedS3

    logging.getLogger("phiscope.watch").setLevel(logging.ERROR)  # alert lines would drown the table

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, EmbeddedS3() as server:
        for mode in args.modes.split(","):
            rows += run_mode(mode.strip(), args.runs, args.interval, server.endpoint_url, Path(tmp))
    print(f"\ntime to alert, {args.runs} runs each, interval {args.interval:g} s")
    print(f"{'mode':<6} {'event':<9} {'median s':>9} {'worst s':>8} {'missed':>6}  target")
    failed = False
    for mode in args.modes.split(","):
        target = 10.0 if mode == "sqs" else args.interval + 10.0
        for event in EVENTS:
            vals = [r["seconds"] for r in rows if r["mode"] == mode and r["event"] == event]
            got = [v for v in vals if v is not None]
            missed = len(vals) - len(got)
            worst = max(got) if got else float("nan")
            med = statistics.median(got) if got else float("nan")
            ok = missed == 0 and worst <= target
            failed |= not ok
            verdict = "ok" if ok else "MISSED"
            print(f"{mode:<6} {event:<9} {med:>9.2f} {worst:>8.2f} {missed:>6}  <= {target:g} s {verdict}")
    if args.csv:
        with args.csv.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["mode", "run", "event", "seconds"])
            w.writeheader()
            w.writerows(rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
