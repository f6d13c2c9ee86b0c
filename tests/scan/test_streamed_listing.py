"""One bucket read whole is scanned while its listing comes (issue 23): nothing waits for the whole
listing, and a listing that fails part way keeps what it had listed, scanned, with the failure in
the bucket's errors (before, a failed page dropped every object listed so far)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from throttle_proxy import ThrottlingProxy

from conftest import S3Server
from phiscope.db.store import Store
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report

DENIED = (
    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
    b"<Message>Access Denied</Message></Error>"
)


def _second_page_denied(method: str, path: str) -> tuple[int, bytes] | None:
    """Every listing page after the first is refused."""
    query = parse_qs(urlsplit(path).query)
    return (
        (403, DENIED) if method == "GET" and "list-type" in query and "continuation-token" in query else None
    )


@pytest.fixture
def proxy(s3: S3Server) -> Iterator[ThrottlingProxy]:
    with ThrottlingProxy(s3.endpoint_url, every=0, fault=_second_page_denied) as p:
        yield p


def test_a_listing_that_fails_part_way_keeps_what_it_listed(
    s3: S3Server, proxy: ThrottlingProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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
        endpoint_url=proxy.url,
        secret=b"k" * 32,
        workers=2,
        full=True,
        live_probe=False,
    )
    report = build_report(db, Scanner(cfg, db).run())
    assert proxy.seen > 0
    (b,) = report["buckets"]
    assert any("listing failed: read failed: AccessDenied" in str(e) for e in b["exposure_errors"])
    # the first page's objects were all scanned, and the bucket's row counts them
    keys = sorted(o["key"] for o in report["objects"])
    assert keys == [f"k/{i:05d}.txt" for i in range(1_000)]
    assert all(o["status"] == "complete" for o in report["objects"])
    assert b["objects_total"] == b["objects_scanned"] == 1_000
    assert report["impact"]["people_affected"] == 100
    assert b["verdict"] == "could_not_verify"  # a listing cut short is never a clean result
