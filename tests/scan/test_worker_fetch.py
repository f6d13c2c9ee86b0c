"""Small objects read by the worker that scans them (issue 23: no per-object round trip through the
scan's parent process, and bytes never through it).

- S3: the worker's GET is signed exactly as boto3 signs it, reads what boto3 reads, and hands every
  other answer to boto3, so a status reason does not depend on which path read the object.
- Local folders: the worker does the checks the parent did (lstat before open, no link followed) and
  refuses a file that is no longer inside the scanned folder.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import S3Server
from phiscope.extract.base import Limits
from phiscope.model import ObjectRef, Status
from phiscope.scan import worker
from phiscope.scan.units import StoreSpec, store_for
from phiscope.storage.s3 import S3Store
from phiscope.storage.s3fast import FastGetter

SECRET = b"worker-fetch-test-" * 2


class _Captured(Exception):
    pass


def _boto3_request(client: Any, bucket: str, key: str, rng: str) -> Any:
    """The request boto3 would send for get_object(Range=rng), captured before it is sent."""
    seen: dict[str, Any] = {}

    def capture(request: Any, **_: Any) -> None:
        seen["request"] = request
        raise _Captured()

    client.meta.events.register("before-send.s3.GetObject", capture)
    try:
        with pytest.raises(_Captured):
            client.get_object(Bucket=bucket, Key=key, Range=rng)
    finally:
        client.meta.events.unregister("before-send.s3.GetObject", capture)
    return seen["request"]


@pytest.mark.parametrize("path_style", [True, False])
@pytest.mark.parametrize("key", ["plain.txt", "dir/with space & plus+.csv", "ünï/çødé~x?y=1#z.txt"])
def test_fast_get_signs_exactly_as_boto3(monkeypatch: pytest.MonkeyPatch, path_style: bool, key: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-example")
    store = S3Store(endpoint_url="http://127.0.0.1:9", region="eu-west-3", path_style=path_style)
    getter = FastGetter(store.client, anonymous=False)
    for _ in range(5):  # both signatures must fall in the same second (X-Amz-Date)
        sent = _boto3_request(store.client, "bucket-1", key, "bytes=0-99")
        host, path = getter._where("bucket-1", key)
        # the same request headers (boto3 also asks for checksums, which the fast path does not)
        extra = {k: str(v, "ascii") if isinstance(v, bytes) else v for k, v in sent.headers.items()}
        extra = {k: v for k, v in extra.items() if k.lower() in ("range", "x-amz-checksum-mode")}
        mine = getter._signed(host, path, extra)
        if mine["X-Amz-Date"] == sent.headers["X-Amz-Date"]:
            break
        time.sleep(0.01)  # a second boundary between the two: sign both again
    assert f"http://{host}{path}" == sent.url
    theirs = {k: str(v, "ascii") if isinstance(v, bytes) else v for k, v in sent.headers.items()}
    assert mine["Authorization"] == theirs["Authorization"]
    assert mine["X-Amz-Security-Token"] == theirs["X-Amz-Security-Token"]


def _init_worker() -> None:
    worker.init_worker(SECRET, Limits())


def _jobs(spec: StoreSpec, bucket: str, keys: dict[str, int]) -> list[worker.Job]:
    return [
        worker.Job(ObjectRef(bucket, k, n), "", n, False, delete_after=False, source=spec)
        for k, n in keys.items()
    ]


def test_worker_reads_small_objects_itself_and_boto3_answers_the_rest(
    s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = s3.new_bucket("wf")
    bodies = {
        "notes/a.txt": b"call back re appointment\n",
        "exports/p 1.csv": b"name,ssn\nPat Doe,123-45-6789\n",
        "odd/ünï~x.txt": b"nothing here\n",
    }
    for k, v in bodies.items():
        s3.client.put_object(Bucket=bucket, Key=k, Body=v)
    spec = StoreSpec("s3", endpoint_url=s3.endpoint_url, region="us-east-1")
    _init_worker()
    used: list[bool] = []
    real_get = FastGetter.get

    def counting_get(self: FastGetter, *a: Any) -> bytes | None:
        got = real_get(self, *a)
        used.append(got is not None)
        return got

    monkeypatch.setattr(FastGetter, "get", counting_get)
    sizes = {k: len(v) for k, v in bodies.items()} | {"gone.txt": 10}
    out = worker.process_logged(_jobs(spec, bucket, sizes))
    results = {r.ref.key: r for r, _ in out}
    assert used.count(True) == 3 and used.count(False) == 1  # the missing one went to boto3
    for k, v in bodies.items():
        assert results[k].status is Status.COMPLETE and results[k].bytes_read == len(v)
    assert results["exports/p 1.csv"].contains_phi and not results["notes/a.txt"].contains_phi
    gone = results["gone.txt"]
    # the same reason the parent's boto3 fetch gives (scan/units.py _fetch_reason)
    parent = S3Store(endpoint_url=s3.endpoint_url, region="us-east-1")
    with pytest.raises(Exception) as e:
        parent.fetch(ObjectRef(bucket, "gone.txt", 10), 1000)
    from phiscope.scan.units import _fetch_reason

    assert gone.status is Status.SKIPPED and gone.reason == _fetch_reason(e.value) == "read failed: NoSuchKey"
    assert store_for(spec) is store_for(spec)  # one client per worker process


def test_a_redirecting_bucket_goes_the_slow_way_after_its_first_answer() -> None:
    """A 301/400 (another region, another addressing) disables the fast path for that bucket."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(301)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        store = S3Store(endpoint_url=f"http://127.0.0.1:{srv.server_address[1]}", region="us-east-1")
        getter = FastGetter(store.client, anonymous=False)
        assert getter.get("elsewhere", "a.txt", 100) is None
        assert getter.get("elsewhere", "b.txt", 100) is None
        assert hits == ["/elsewhere/a.txt"]  # the second object was not even tried
    finally:
        srv.shutdown()


def test_local_file_moved_out_of_the_folder_after_listing_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "bucket" / "sub").mkdir(parents=True)
    (root / "bucket" / "sub" / "f.txt").write_text("SSN 123-45-6789\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f.txt").write_text("SSN 987-65-4320\n")
    _init_worker()
    job = worker.Job(
        ObjectRef("bucket", "sub/f.txt", 16),
        str(root / "bucket" / "sub" / "f.txt"),
        16,
        False,
        delete_after=False,
        root=str(root.resolve()),
    )
    assert worker.process(job).status is Status.COMPLETE
    # the folder is swapped for a link to somewhere else after the listing
    os.rename(root / "bucket" / "sub", tmp_path / "old-sub")
    os.symlink(outside, root / "bucket" / "sub")
    r = worker.process(job)
    assert r.status is Status.SKIPPED and r.reason == "outside the scanned folder: not read"
    assert r.bytes_read == 0 and not r.findings.detections
