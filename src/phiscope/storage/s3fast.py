"""GETs of small objects without botocore's per-call machinery.

On a bucket of tiny objects a boto3 `get_object` costs ~1.6 ms of CPU (parameter validation,
endpoint rules, event hooks, response parsing): more than extracting and detecting the object.
Here the request is signed by botocore's own SigV4 signer (`S3SigV4Auth`, the same code boto3 signs
with) and sent on a kept-alive `http.client` connection: ~0.25 ms. Only the plain case is handled:
a 200/206 answer whose body is the object. Anything else (an error status, a redirect to another
region, throttling, a network error) returns None and the caller reads that object through
`S3Store.fetch`, with boto3's retries, redirects and error codes, so a status reason never depends
on which path read the object.
"""

from __future__ import annotations

import http.client
import threading
from typing import Any
from urllib.parse import quote, urlsplit

from phiscope.storage import deadline

_REDIRECTS = frozenset({301, 302, 307, 400})  # wrong region or addressing: this bucket goes the slow way


class FastGetter:
    """Signed (or, for an anonymous store, unsigned) GETs through the connections of the calling
    thread. Built from the store's boto3 client: the same endpoint, region, addressing style and
    credentials (refreshed through botocore's own provider)."""

    def __init__(self, client: Any, *, anonymous: bool) -> None:
        self.client = client
        self.endpoint = urlsplit(client.meta.endpoint_url)
        self.region = client.meta.region_name or "us-east-1"
        self._bases: dict[str, tuple[str, str]] = {}  # bucket -> (host, path before the key)
        signer = getattr(client, "_request_signer", None)
        self.credentials = None if anonymous else getattr(signer, "_credentials", None)
        self.anonymous = anonymous
        # credentials the client has but this cannot see: every object goes the slow way
        self.disabled = not anonymous and self.credentials is None
        self._local = threading.local()
        self._slow_buckets: set[str] = set()

    def get(self, bucket: str, key: str, max_bytes: int) -> bytes | None:
        """The object's first `max_bytes` bytes, or None: read it the slow way."""
        if self.disabled or bucket in self._slow_buckets:
            return None
        host, path = self._where(bucket, key)
        headers = {"Range": f"bytes=0-{max_bytes - 1}"} if max_bytes > 0 else {}
        try:
            if not self.anonymous:
                headers = self._signed(host, path, headers)
            conn = self._connection(host)
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except Exception:
            self._drop(host)
            return None
        if resp.status in (200, 206):
            return body[:max_bytes] if max_bytes > 0 else body
        if resp.status in _REDIRECTS:
            self._slow_buckets.add(bucket)
        if resp.will_close:
            self._drop(host)
        return None

    def _where(self, bucket: str, key: str) -> tuple[str, str]:
        """(host, path) of the object, addressed as boto3 addresses it (path or virtual-hosted, the
        bucket's endpoint): learnt once per bucket from a URL botocore builds for it."""
        base = self._bases.get(bucket)
        if base is None:
            url = urlsplit(
                self.client.generate_presigned_url(
                    "get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60
                )
            )
            base = self._bases[bucket] = (url.netloc, url.path[: -len("/k")])
        return base[0], f"{base[1]}/{quote(key, safe='/~')}"

    def _signed(self, host: str, path: str, headers: dict[str, str]) -> dict[str, str]:
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest

        creds = self.credentials.get_frozen_credentials()  # type: ignore[union-attr]
        request = AWSRequest("GET", f"{self.endpoint.scheme}://{host}{path}", headers=dict(headers))
        S3SigV4Auth(creds, "s3", self.region).add_auth(request)
        return dict(request.headers.items())

    def _connection(self, host: str) -> http.client.HTTPConnection:
        conns: dict[str, http.client.HTTPConnection] = self._local.__dict__.setdefault("conns", {})
        conn = conns.get(host)
        if conn is None:
            https = self.endpoint.scheme == "https"
            cls = http.client.HTTPSConnection if https else http.client.HTTPConnection
            conn = cls(host, timeout=deadline.READ_TIMEOUT)
            conns[host] = conn
        return conn

    def _drop(self, host: str) -> None:
        conns = self._local.__dict__.get("conns", {})
        conn = conns.pop(host, None)
        if conn is not None:
            conn.close()
