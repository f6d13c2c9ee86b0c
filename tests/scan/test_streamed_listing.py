"""One bucket read whole is scanned while its listing comes (issue 23): nothing waits for the whole
listing, and a listing that fails part way keeps what it had listed, scanned, with the failure in
the bucket's errors (before, a failed page dropped every object listed so far)."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import S3Server
from phiscope.db.store import Store
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report

DENIED = (
    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
    b"<Message>Access Denied</Message></Error>"
)


class _SecondPageDenied:
    """A loopback proxy in front of the S3 server that denies every listing page after the first."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self.denied = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                if "list-type" in query and "continuation-token" in query:
                    owner.denied += 1
                    self.send_response(403)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(DENIED)))
                    self.end_headers()
                    self.wfile.write(DENIED)
                    return
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if size else None
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in (
                        "content-length",
                        "transfer-encoding",
                        "connection",
                        "date",
                        "server",
                    ):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _forward

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.endpoint_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(s3: S3Server) -> Iterator[_SecondPageDenied]:
    p = _SecondPageDenied(s3.endpoint_url)
    yield p
    p.close()


def test_a_listing_that_fails_part_way_keeps_what_it_listed(
    s3: S3Server, proxy: _SecondPageDenied, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = s3.new_bucket("stream")
    n = 1_150  # more than one listing page (1,000 keys)

    def put(i: int) -> None:
        body = f"name,ssn\nPat Doe{i},{100 + i % 600:03}-45-{1000 + i:04}\n" if i % 10 == 0 else f"note {i}\n"
        s3.client.put_object(Bucket=bucket, Key=f"k/{i:05d}.txt", Body=body.encode())

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(put, range(n)))
    db = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    cfg = ScanConfig(
        targets=[f"s3://{bucket}"],
        endpoint_url=proxy.endpoint_url,
        secret=b"k" * 32,
        workers=2,
        full=True,
        live_probe=False,
    )
    report = build_report(db, Scanner(cfg, db).run())
    assert proxy.denied >= 1  # the second page really was refused
    (b,) = report["buckets"]
    assert any("listing failed: read failed: AccessDenied" in str(e) for e in b["exposure_errors"])
    # the first page's objects were all scanned, and the bucket's row counts them
    keys = sorted(o["key"] for o in report["objects"])
    assert keys == [f"k/{i:05d}.txt" for i in range(1_000)]
    assert all(o["status"] == "complete" for o in report["objects"])
    assert b["objects_total"] == b["objects_scanned"] == 1_000
    assert report["impact"]["people_affected"] == 100
    assert b["verdict"] == "could_not_verify"  # a listing cut short is never a clean result
