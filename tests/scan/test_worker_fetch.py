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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import S3Server, boto3_request
from phiscope.extract.base import Limits
from phiscope.model import ObjectRef, Status
from phiscope.scan import worker
from phiscope.scan.units import StoreSpec, store_for
from phiscope.storage.s3 import S3Store
from phiscope.storage.s3fast import FastGetter

SECRET = b"worker-fetch-test-" * 2


@pytest.mark.parametrize("path_style", [True, False])
@pytest.mark.parametrize("key", ["plain.txt", "dir/with space & plus+.csv", "ünï/çødé~x?y=1#z.txt"])
def test_fast_get_signs_exactly_as_boto3(monkeypatch: pytest.MonkeyPatch, path_style: bool, key: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-example")
    store = S3Store(endpoint_url="http://127.0.0.1:9", region="eu-west-3", path_style=path_style)
    getter = FastGetter(store.client, anonymous=False)
    for _ in range(5):  # both signatures must fall in the same second (X-Amz-Date)
        sent = boto3_request(
            store.client, "GetObject", "get_object", Bucket="bucket-1", Key=key, Range="bytes=0-99"
        )
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
    real_get_many = FastGetter.get_many

    def counting_get_many(self: FastGetter, *a: Any) -> Iterator[bytes | None]:
        for got in real_get_many(self, *a):
            used.append(got is not None)
            yield got

    monkeypatch.setattr(FastGetter, "get_many", counting_get_many)
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


class _Pipelined:
    """A loopback HTTP/1.1 server that answers pipelined GETs in order, each object's answer shaped
    by its key: `close-*` ends the connection after answering, `chunked-*` is sent chunked,
    `drop-*` closes the connection without answering (once), `big-*` is larger than the read limit (4 MB)."""

    def __init__(self, protocol: str = "HTTP/1.1") -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[str] = []
        self.connections = 0
        dropped: set[str] = set()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = protocol  # HTTP/1.0: one answer per connection

            def setup(self) -> None:
                super().setup()
                owner.connections += 1

            def do_GET(self) -> None:
                key = self.path.rsplit("/", 1)[1]
                owner.requests.append(key)
                if key.startswith("drop-") and key not in dropped:
                    dropped.add(key)
                    self.close_connection = True
                    return
                body = (b"B" * 4_000_000) if key.startswith("big-") else f"body of {key}".encode()
                wanted = self.headers.get("Range")  # bytes=0-N
                if wanted:
                    body = body[: int(wanted.rsplit("-", 1)[1]) + 1]
                self.send_response(206 if wanted else 200)
                if key.startswith("chunked-"):
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    half = len(body) // 2
                    for part in (body[:half], body[half:], b""):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    return
                self.send_header("Content-Length", str(len(body)))
                if key.startswith("close-"):
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        class Server(ThreadingHTTPServer):
            def handle_error(self, *_: Any) -> None:  # the client hung up on a body it did not want
                return

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.endpoint_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_pipelined_batch_survives_closes_chunks_drops_and_oversized_bodies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from phiscope.storage.s3fast import Want

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    srv = _Pipelined()
    try:
        store = S3Store(endpoint_url=srv.endpoint_url, region="us-east-1", path_style=True)
        getter = FastGetter(store.client, anonymous=False)
        keys = ["a", "close-b", "c", "chunked-d", "drop-e", "f", "big-g", "h"]
        got = list(getter.get_many("bkt", [Want(k, 20) for k in keys], limit=100))
        expected = {k: f"body of {k}".encode() for k in keys}
        expected["big-g"] = None  # over the read limit: read the slow way (with its limits)
        assert dict(zip(keys, got, strict=True)) == expected
        # one connection to begin with, one after `close-b`, one after the drop, one after `big-g`
        assert srv.connections == 4
        # every object was asked for once, except those sent again after a connection ended
        assert srv.requests.count("a") == 1 and srv.requests.count("drop-e") == 2
        # a Range request (an object larger than the read limit) keeps only what was asked for
        assert getter.get("bkt", "h", 4) == b"body"
        # broken twice in one batch: the rest goes the slow way, nothing is lost or reordered
        got = list(getter.get_many("bkt", [Want(k, 20) for k in ["drop-x", "drop-y", "z"]], limit=100))
        assert got == [b"body of drop-x", None, None]
    finally:
        srv.close()


def test_an_endpoint_answering_once_per_connection_gets_single_requests_in_parallel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from phiscope.storage.s3fast import Want

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    srv = _Pipelined(protocol="HTTP/1.0")
    try:
        store = S3Store(endpoint_url=srv.endpoint_url, region="us-east-1", path_style=True)
        getter = FastGetter(store.client, anonymous=False)
        keys = [f"k{i}" for i in range(12)]
        got = list(getter.get_many("bkt", [Want(k, 20) for k in keys], limit=100))
        assert got == [f"body of {k}".encode() for k in keys]  # every object, in order, none lost
        assert not getter.pipelining  # connections that closed after one answer: pipelining given up
        before, asked = srv.connections, len(srv.requests)
        more = [f"m{i}" for i in range(10)]
        got = list(getter.get_many("bkt", [Want(k, 20) for k in more], limit=100))
        assert got == [f"body of {k}".encode() for k in more]
        # now one request per connection, each object asked for once
        assert srv.connections - before == 10 and srv.requests[asked:].count("m3") == 1
    finally:
        srv.close()


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-02T15:09:17.000Z",
        "2026-12-02T15:09:17Z",
        "2026-12-02T15:09:17.123Z",
        "2026-02-30T15:09:17.000Z",  # not a date: botocore's parser decides
        "Wed, 02 Dec 2026 15:09:17 GMT",
        "1733150000",
        "2026-12-02T15:09:17+02:00",
    ],
)
def test_listing_timestamps_parse_as_botocore_parses_them(value: str) -> None:
    from botocore.utils import parse_timestamp as botocore_parse

    from phiscope.storage.s3 import parse_timestamp

    try:
        theirs = botocore_parse(value)
    except ValueError:
        with pytest.raises(ValueError):
            parse_timestamp(value)
        return
    mine = parse_timestamp(value)
    assert mine == theirs and mine.utcoffset() == theirs.utcoffset()


def test_clients_list_with_the_fast_timestamp_parser(s3: S3Server) -> None:
    from datetime import UTC

    bucket = s3.new_bucket("ts")
    s3.client.put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    store = S3Store(endpoint_url=s3.endpoint_url, region="us-east-1")
    (ref,) = list(store.list_objects(bucket))
    assert (
        ref.last_modified is not None and ref.last_modified.tzinfo is UTC
    )  # fromisoformat's, not dateutil's
