"""Listing pages read without botocore's modelled parse (issue 23: ~50 µs of CPU per listed key in
the scan's parent). The fast listing must sign as boto3 signs, list exactly what boto3 lists (keys
URL-decoded as botocore decodes them, folder markers left out, page after page), and hand the rest
of a listing to boto3 from the page it could not read, so errors and retries stay boto3's."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from throttle_proxy import ThrottlingProxy

from conftest import S3Server, boto3_request
from hostile.servers import FaultyEndpoint
from phiscope.storage import s3fast
from phiscope.storage.s3 import S3Store
from phiscope.storage.s3fast import FastGetter, Listed, canonical_query, parse_listing

KEYS = [
    "plain.txt",
    "dir/with space & plus+.csv",
    "ünï/çødé~x?y=1#z.txt",
    "pct%20literal.txt",
    "a<b>&'\".txt",
    "folder/",  # an empty "folder" marker: not an object
    "folder/inside.csv",
    "tab\tkey",
]


@pytest.mark.parametrize("path_style", [True, False])
@pytest.mark.parametrize("prefix", ["", "dir/with space & plus+", "ünï/~x"])
def test_fast_listing_signs_exactly_as_boto3(
    monkeypatch: pytest.MonkeyPatch, path_style: bool, prefix: str
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-example")
    store = S3Store(endpoint_url="http://127.0.0.1:9", region="eu-west-3", path_style=path_style)
    getter = FastGetter(store.client, anonymous=False)
    token = "1/abc+def=="  # continuation tokens are opaque and need encoding
    query = {"list-type": "2", "max-keys": "1000", "prefix": prefix, "encoding-type": "url"}
    query["continuation-token"] = token
    for _ in range(5):  # both signatures must fall in the same second (X-Amz-Date)
        sent = boto3_request(
            store.client,
            "ListObjectsV2",
            "list_objects_v2",
            Bucket="bucket-1",
            Prefix=prefix,
            MaxKeys=1000,
            ContinuationToken=token,
        )
        host, path = getter._where("bucket-1", "")
        mine = getter._signed(host, path[:-1] or "/", {}, canonical_query(query))
        if mine["X-Amz-Date"] == sent.headers["X-Amz-Date"]:
            break
        time.sleep(0.01)
    url = urlsplit(sent.url)
    assert (url.netloc, url.path) == (host, path[:-1] or "/")
    assert parse_qs(url.query, keep_blank_values=True) == {k: [v] for k, v in query.items()}
    theirs = {k: str(v, "ascii") if isinstance(v, bytes) else v for k, v in sent.headers.items()}
    assert mine["Authorization"] == theirs["Authorization"]


@pytest.fixture
def listed_bucket(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = s3.new_bucket("fl")
    for i, key in enumerate(KEYS):
        s3.client.put_object(Bucket=bucket, Key=key, Body=b"" if key.endswith("/") else b"x" * (i + 1))
    for i in range(7):
        s3.client.put_object(Bucket=bucket, Key=f"many/{i:02d}.txt", Body=b"y", StorageClass="STANDARD_IA")
    return bucket


def _boto3_calls(store: S3Store) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    store.client.meta.events.register(
        "before-call.s3.ListObjectsV2", lambda params, **_: calls.append(dict(params.get("query_string", {})))
    )
    return calls


@pytest.mark.parametrize("prefix", ["", "many/", "dir/with space", "nothing-here/"])
def test_fast_listing_lists_what_boto3_lists(
    s3: S3Server, listed_bucket: str, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    monkeypatch.setattr(s3fast, "PAGE_KEYS", 3)  # several pages, continuation tokens included
    store = S3Store(endpoint_url=s3.endpoint_url, region="us-east-1")
    calls = _boto3_calls(store)
    fast = list(store.list_objects(listed_bucket, prefix))
    assert calls == []  # every page was read by the fast path
    slow = list(store._boto3_listing(listed_bucket, prefix, None))
    assert calls  # and the reference by boto3
    assert fast == slow
    if prefix == "":
        assert sorted(r.key for r in fast) == sorted(
            [k for k in KEYS if k != "folder/"] + [f"many/{i:02d}.txt" for i in range(7)]
        )
        assert {r.storage_class for r in fast if r.key.startswith("many/")} == {"STANDARD_IA"}
        assert all(r.last_modified is not None and r.etag for r in fast)


def _second_page_throttled_once() -> Any:
    state = {"done": False}

    def fault(method: str, path: str) -> tuple[int, bytes] | None:
        query = parse_qs(urlsplit(path).query)
        if method == "GET" and "continuation-token" in query and not state["done"]:
            state["done"] = True
            return (
                503,
                b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
            )
        return None

    return fault


def test_a_page_the_fast_path_cannot_read_goes_on_through_boto3_from_that_page(
    s3: S3Server, listed_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3fast, "PAGE_KEYS", 4)
    with ThrottlingProxy(s3.endpoint_url, every=0, fault=_second_page_throttled_once()) as proxy:
        store = S3Store(endpoint_url=proxy.url, region="us-east-1")
        calls = _boto3_calls(store)
        got = list(store.list_objects(listed_bucket))
    reference = list(
        S3Store(endpoint_url=s3.endpoint_url, region="us-east-1")._boto3_listing(listed_bucket, "", None)
    )
    assert got == reference  # nothing lost, nothing listed twice
    # boto3 took over at the second page (its continuation token), not from the start
    assert calls and "continuation-token" in calls[0]
    assert calls[0]["max-keys"] == 1000


def test_a_refused_listing_raises_boto3s_error(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    store = S3Store(endpoint_url=s3.endpoint_url, region="us-east-1")
    with pytest.raises(ClientError) as e:
        list(store.list_objects("no-such-bucket-fl"))
    assert e.value.response["Error"]["Code"] == "NoSuchBucket"


NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _page(inner: str, ns: str = NS) -> bytes:
    xmlns = f' xmlns="{ns}"' if ns else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult{xmlns}>{inner}</ListBucketResult>'.encode()
    )


def _contents(key: str, size: str = "5") -> str:
    return (
        f"<Contents><Key>{key}</Key><LastModified>2026-12-02T15:09:17.000Z</LastModified>"
        f"<ETag>&quot;abc&quot;</ETag><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            _page(
                _contents("a%2Bb+c%20d") + "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
            ),
            ([Listed("a+b c d", 5, '"abc"', "2026-12-02T15:09:17.000Z", "STANDARD")], False, None),
        ),
        (  # no EncodingType in the answer (a server ignoring it): keys as given, "+" kept
            _page(
                _contents("a+b")
                + "<IsTruncated>true</IsTruncated><NextContinuationToken>t1</NextContinuationToken>"
            ),
            ([Listed("a+b", 5, '"abc"', "2026-12-02T15:09:17.000Z", "STANDARD")], True, "t1"),
        ),
        (  # no namespace at all
            _page(_contents("k") + "<IsTruncated>false</IsTruncated>", ns=""),
            ([Listed("k", 5, '"abc"', "2026-12-02T15:09:17.000Z", "STANDARD")], False, None),
        ),
        (_page("<IsTruncated>false</IsTruncated><KeyCount>0</KeyCount>"), ([], False, None)),
    ],
)
def test_listing_pages_parse(body: bytes, expected: tuple[list[Listed], bool, str | None]) -> None:
    assert parse_listing(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        b"<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>",
        b"<ListBucketResult><Contents><Key>a</Key>",  # cut short
        _page(_contents("k", size="12x")),  # a size that is not a number
        _page("<Contents><Size>3</Size></Contents>"),  # an object without a key
        b"",
    ],
)
def test_what_is_not_a_listing_page_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_listing(body)


def test_a_listing_page_that_trickles_fails_within_the_deadline_and_trips_the_breaker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each byte comes within the read timeout, so only a total deadline ends the page; then, as
    for boto3's calls (storage/deadline.py), two overruns open the endpoint's breaker and the next
    listing fails at once, without a connection."""
    from phiscope.storage import deadline

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(s3fast, "PAGE_SECONDS", 0.3)
    try:
        with FaultyEndpoint("trickle", every=0.02) as endpoint:  # tests/hostile: a listing byte by byte
            store = S3Store(endpoint_url=endpoint.url, region="us-east-1")
            calls = _boto3_calls(store)
            for _ in range(2):
                with pytest.raises(deadline.EndpointTimeout, match=r"no complete answer within 0\.3 s"):
                    list(store.list_objects("bkt"))
            seen = endpoint.connections
            with pytest.raises(deadline.EndpointTimeout, match="endpoint not answering"):
                list(store.list_objects("bkt"))
            assert endpoint.connections == seen  # the breaker answered, not the endpoint
            assert calls == []  # boto3 would only have waited again
    finally:
        deadline.reset()


class _OneAnswerPerConnection:
    """A loopback endpoint that promises keep-alive but closes each connection after one answer, as
    a server closing an idle connection between two listing pages does; a two-page listing."""

    def __init__(self) -> None:
        import socket
        import threading

        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    request += chunk
                if not request:
                    continue
                second = b"continuation-token=" in request.split(b"\r\n", 1)[0]
                inner = _contents("b.txt") + "<IsTruncated>false</IsTruncated>"
                if not second:
                    inner = _contents("a.txt") + "<IsTruncated>true</IsTruncated>"
                    inner += "<NextContinuationToken>t1</NextContinuationToken>"
                body = _page(inner)
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n"
                conn.sendall(head.encode() + body)

    def close(self) -> None:
        self.server.close()


def test_a_connection_closed_between_two_pages_is_opened_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = _OneAnswerPerConnection()
    try:
        store = S3Store(endpoint_url=endpoint.url, region="us-east-1")
        calls = _boto3_calls(store)
        keys = [r.key for r in store.list_objects("bkt")]
    finally:
        endpoint.close()
    assert keys == ["a.txt", "b.txt"]
    assert calls == []  # the second page was asked again on a new connection, not of boto3
    assert endpoint.connections == 2


def test_a_bucket_whose_listing_redirects_is_listed_by_boto3_from_then_on(
    s3: S3Server, listed_bucket: str
) -> None:
    """A redirect (the bucket is in another region, S3 answers 301 or 400 with the region) sends
    this bucket's listings to boto3, which follows redirects; the fast path does not try again."""
    fast_asks: list[str] = []

    def redirect_the_fast_path(method: str, path: str) -> tuple[int, bytes] | None:
        query = urlsplit(path).query
        if method == "GET" and query.startswith("encoding-type="):  # the fast path's sorted query
            fast_asks.append(path)
            return (
                301,
                b"<Error><Code>PermanentRedirect</Code><Message>Use the bucket's endpoint.</Message></Error>",
            )
        return None

    with ThrottlingProxy(s3.endpoint_url, every=0, fault=redirect_the_fast_path) as proxy:
        store = S3Store(endpoint_url=proxy.url, region="us-east-1")
        calls = _boto3_calls(store)
        first = list(store.list_objects(listed_bucket))
        second = list(store.list_objects(listed_bucket))
    assert first == second and len(first) == len(KEYS) - 1 + 7
    assert len(fast_asks) == 1  # asked once, then the bucket went to boto3
    assert len(calls) == 2
