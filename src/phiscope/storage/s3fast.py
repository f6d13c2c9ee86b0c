"""GETs of small objects without botocore's per-call machinery, pipelined on one connection.

On a bucket of tiny objects a boto3 `get_object` costs ~1.6 ms of CPU (parameter validation,
endpoint rules, event hooks, response parsing): more than extracting and detecting the object.
Here a worker's batch of small objects is requested at once on one kept-alive connection (HTTP/1.1
pipelining: the requests go out in one write, the answers come back in order and are parsed by
httptools, llhttp's C parser) and each object is handed to the scan as soon as its answer is
complete, while the server works on the next ones: ~40 µs of CPU per object instead of ~300 µs with
a thread per request. Each request is signed with SigV4 exactly as botocore's `S3SigV4Auth` signs
it (tests compare the two); the derived signing key is kept per day and credentials.

Only the plain case is handled: a 200/206 answer whose body is the object, no larger than the read
limit. Anything else (an error status, a redirect to another region, throttling, a network error, a
body over the limit) gives None for that object and the caller reads it through `S3Store.fetch`,
with boto3's retries, redirects and error codes, so a status reason never depends on which path
read the object. A connection that breaks is opened again once per batch and the unanswered
requests are sent again (GETs are idempotent); a second break sends the rest the slow way. An
endpoint that takes one request per connection (it closes after one answer with more requests
sent) is not pipelined to any more: its requests go one at a time on FALLBACK_THREADS connections.

Listing pages (ListObjectsV2) go the same way, one request at a time, their XML read by
ElementTree's C parser: botocore's modelled parse cost ~50 µs per key (a DOM walk in Python, and
the whole page parsed twice to look for an error inside a 200). A page that is not a plain 200
listing hands the rest of the listing, from that page on, to boto3.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote, unquote_plus, urlsplit
from xml.etree import ElementTree

import httptools

from phiscope.storage import deadline

_REDIRECTS = frozenset({301, 302, 307, 400})  # wrong region or addressing: this bucket goes the slow way
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()  # a GET has no body: botocore signs its empty hash
WINDOW_BYTES = 1 << 20  # answers asked for and not yet read, at most (so neither side blocks sending)
DEPTH = 64  # requests in flight on one connection, at most
# Connections closed with pipelined requests unanswered before this process stops pipelining to the
# endpoint (a server or proxy that takes one request per connection) and overlaps single requests on
# FALLBACK_THREADS connections instead.
PIPELINE_BREAKS = 3
FALLBACK_THREADS = 8
_RECV = 256 * 1024
PAGE_KEYS = 1000  # keys asked for per listing page (S3's most)
PAGE_BYTES = 16 << 20  # a listing page larger than this goes the slow way
# Seconds a listing page may take to arrive: the API call deadline boto3's calls have (the listing
# runs in the scan's parent, which no job deadline guards).
PAGE_SECONDS = deadline.CALL_DEADLINE


class Want(NamedTuple):
    """One object of a batch: its key, the bytes expected (its listed size, or the read limit when
    `ranged`), and whether to ask only for the first `expect` bytes (a Range request)."""

    key: str
    expect: int
    ranged: bool = False


class _Broken(Exception):
    """The connection failed or answered what this parser does not follow: send the rest again."""


class _Slow(_Broken):
    """No complete answer in time (`until` passed, or nothing received for the read timeout)."""


class _TooBig(Exception):
    """The answer in progress is larger than asked for: the connection is dropped mid-body."""


class SlowListing(Exception):
    """The listing goes on through boto3 from `token` (None: from the start)."""

    def __init__(self, token: str | None) -> None:
        super().__init__(token)
        self.token = token


class Listed(NamedTuple):
    """One key of a listing page, as S3 gives it."""

    key: str
    size: int
    etag: str | None
    last_modified: str | None  # the timestamp text; the caller parses it
    storage_class: str | None


class _Answer(NamedTuple):
    status: int
    body: bytes | None  # None: over the limit, not kept
    keep_alive: bool


class _Reader:
    """httptools callbacks for a stream of answers: completed answers queue up in order."""

    __slots__ = ("_body", "_size", "done", "limit", "over", "parser")

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.done: deque[_Answer] = deque()
        self._body: list[bytes] = []
        self._size = 0
        self.limit = 0  # bytes kept per answer; a larger body is not kept
        self.over = False  # the answer in progress went past the limit

    def on_message_begin(self) -> None:
        self._body, self._size, self.over = [], 0, False

    def on_body(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= self.limit:
            self._body.append(chunk)
        else:
            self.over = True

    def on_message_complete(self) -> None:
        body = b"".join(self._body) if self._size <= self.limit else None
        p = self.parser
        self.done.append(_Answer(p.get_status_code(), body, p.should_keep_alive()))
        self.over = False


class _Pipe:
    """One kept-alive connection of one thread, and the parser of its answers."""

    def __init__(self, host: str, port: int, https: bool, server_name: str) -> None:
        sock = socket.create_connection((host, port), timeout=deadline.READ_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(deadline.READ_TIMEOUT)
        if https:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=server_name)
        self.sock = sock
        self.reader = _Reader()
        self.answered = 0

    def send(self, requests: list[bytes]) -> None:
        try:
            self.sock.sendall(b"".join(requests))
        except OSError as e:
            raise _Broken(str(e)) from e

    def next_answer(self, limit: int, until: float | None = None) -> _Answer:
        """The next complete answer. `until` (time.monotonic): past it, or after the read timeout
        with nothing received, the answer is given up (_Slow): a server trickling bytes, each within
        the read timeout, is bounded too."""
        reader = self.reader
        reader.limit = limit
        while not reader.done:
            if reader.over:
                raise _TooBig()
            if until is not None and time.monotonic() > until:
                raise _Slow(f"no complete answer within {PAGE_SECONDS:g} s")
            try:
                data = self.sock.recv(_RECV)
            except TimeoutError as e:
                if until is not None:
                    raise _Slow(
                        f"no complete answer within {deadline.READ_TIMEOUT:g} s (nothing received)"
                    ) from e
                raise _Broken(str(e)) from e
            except OSError as e:
                raise _Broken(str(e)) from e
            if not data:
                raise _Broken("connection closed")
            try:
                reader.parser.feed_data(data)
            except httptools.HttpParserError as e:
                raise _Broken(str(e)) from e
        self.answered += 1
        return reader.done.popleft()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class FastGetter:
    """Signed (or, for an anonymous store, unsigned) GETs through the connection of the calling
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
        self._keys: dict[tuple[str, str], bytes] = {}  # (secret key, day) -> SigV4 signing key
        self.pipelining = True  # off once connections broke with requests outstanding (see PIPELINE_BREAKS)
        self._short_lived = 0  # connections that ended after one answer with more requests on them
        self._threads: Any = None
        self._lock = threading.Lock()

    def get(self, bucket: str, key: str, max_bytes: int) -> bytes | None:
        """One object's first `max_bytes` bytes, or None: read it the slow way."""
        return next(self.get_many(bucket, [Want(key, max_bytes, ranged=max_bytes > 0)], max_bytes))

    def get_many(self, bucket: str, wants: Sequence[Want], limit: int) -> Iterator[bytes | None]:
        """The objects' bytes in order, each as soon as its answer is complete; None for one to read
        the slow way. `limit`: the most bytes kept of a body asked for whole (the read limit); an
        object that grew past it since the listing goes the slow way."""
        if self.pipelining:
            yield from self._pipelined(bucket, wants, limit)
        else:
            yield from self._threaded(bucket, wants, limit)

    def _pipelined(self, bucket: str, wants: Sequence[Want], limit: int) -> Iterator[bytes | None]:
        n, done, sent, in_flight, breaks = len(wants), 0, 0, 0, 0
        pipe: _Pipe | None = None
        while done < n:
            if self.disabled or (bucket in self._slow_buckets and done == sent):
                yield from (None for _ in range(n - done))  # a redirect stopped the sending
                return
            if not self.pipelining and sent == done and n - done > 1:  # given up: the rest one by one
                yield from self._threaded(bucket, wants[done:], limit)
                return
            want = wants[done]
            try:
                if pipe is None:
                    pipe = self._pipe(self._where(bucket, want.key)[0])
                if bucket not in self._slow_buckets:
                    batch: list[bytes] = []
                    while sent < n and (sent == done or self._room(sent - done, in_flight, wants[sent])):
                        batch.append(self._request(bucket, wants[sent]))
                        in_flight += wants[sent].expect
                        sent += 1
                    if batch:
                        pipe.send(batch)
                answer = pipe.next_answer(want.expect if want.ranged else limit)
            except _TooBig:  # the body goes on past the limit: stop it, read the object the slow way
                answer = _Answer(0, None, False)
            except (_Broken, OSError):
                self._ended(pipe, outstanding=sent - done)
                breaks += 1
                if breaks > 1:  # broken twice in one batch: the rest the slow way
                    self._drop_pipe(pipe)
                    yield from (None for _ in range(n - done))
                    return
                answer = None
            if answer is None or not answer.keep_alive:  # the unanswered requests: on a new connection
                if answer is not None:
                    self._ended(pipe, outstanding=sent - done - 1)
                self._drop_pipe(pipe)
                pipe, sent, in_flight = None, done + (answer is not None), 0
            if answer is None:
                continue
            done += 1
            in_flight -= want.expect
            if answer.status in _REDIRECTS:
                self._slow_buckets.add(bucket)
            if answer.status in (200, 206) and answer.body is not None:
                yield answer.body[: want.expect] if want.ranged else answer.body
            else:
                yield None

    def list_pages(self, bucket: str, prefix: str, endpoint_key: str = "aws") -> Iterator[list[Listed]]:
        """The bucket's keys under `prefix`, a page at a time, as ListObjectsV2 gives them (with
        encoding-type=url, decoded as botocore decodes them). Raises SlowListing (with the token of
        the page to ask next) for anything but a plain 200 listing: an error, a redirect, a body
        this does not read; the caller goes on with boto3 from there. A page not complete within the
        call deadline (or silent for the read timeout) raises deadline.EndpointTimeout, counted
        against `endpoint_key`'s circuit breaker as boto3's calls are: boto3 would only wait again."""
        token: str | None = None
        while True:
            if self.disabled or bucket in self._slow_buckets:
                raise SlowListing(token)
            deadline.check_breaker(endpoint_key)  # a dead endpoint fails at once, as through boto3
            query = {"list-type": "2", "max-keys": str(PAGE_KEYS), "prefix": prefix, "encoding-type": "url"}
            if token is not None:
                query["continuation-token"] = token
            host, path = self._where(bucket, "")
            request = self._request_to(host, path[:-1] or "/", canonical_query(query), {})
            answer = self._page(host, request, endpoint_key, token)
            deadline.answered(endpoint_key)
            if answer.status in _REDIRECTS:  # another region or addressing: boto3 lists this bucket
                self._slow_buckets.add(bucket)
            if answer.status != 200 or answer.body is None:
                raise SlowListing(token)
            try:
                keys, truncated, token_next = parse_listing(answer.body)
            except ValueError:
                raise SlowListing(token) from None
            yield keys
            if not truncated or not token_next:
                return
            if token_next == token:  # a server repeating itself (boto3's paginator refuses it too)
                raise SlowListing(token)
            token = token_next

    def _page(self, host: str, request: bytes, endpoint_key: str, token: str | None) -> _Answer:
        """One listing page's answer. A kept-alive connection the server closed while idle between
        two pages is opened again once; any other failure hands the listing to boto3 (SlowListing)
        or, past the deadline, raises EndpointTimeout."""
        for attempt in (1, 2):
            pipe: _Pipe | None = None
            reused = False
            try:
                pipe = self._pipe(host)
                reused = pipe.answered > 0
                pipe.send([request])
                answer = pipe.next_answer(PAGE_BYTES, until=time.monotonic() + PAGE_SECONDS)
                if not answer.keep_alive:
                    self._drop_pipe(pipe)
                return answer
            except _Slow as e:
                self._drop_pipe(pipe)
                deadline.overran(endpoint_key)
                raise deadline.EndpointTimeout(str(e)) from None
            except TimeoutError:  # connecting timed out
                self._drop_pipe(pipe)
                deadline.overran(endpoint_key)
                raise deadline.EndpointTimeout(f"no connection within {deadline.READ_TIMEOUT:g} s") from None
            except _Broken:
                self._drop_pipe(pipe)
                if attempt == 1 and reused:
                    continue  # closed while idle: once more on a new connection
                raise SlowListing(token) from None
            except (_TooBig, OSError):
                self._drop_pipe(pipe)
                raise SlowListing(token) from None
        raise SlowListing(token)  # not reached: the second attempt returns or raises

    def _ended(self, pipe: _Pipe | None, outstanding: int) -> None:
        """A connection ended with requests unanswered: if it answered at most one, the endpoint
        (or a proxy before it) takes one request per connection, and after PIPELINE_BREAKS such
        connections this process stops pipelining to it."""
        if outstanding > 0 and (pipe is None or pipe.answered <= 1):
            self._short_lived += 1
            if self._short_lived >= PIPELINE_BREAKS:
                self.pipelining = False

    def _threaded(self, bucket: str, wants: Sequence[Want], limit: int) -> Iterator[bytes | None]:
        """For an endpoint that does not take pipelined requests: one request at a time on each of
        FALLBACK_THREADS kept-alive connections, so the round trips still overlap."""
        with self._lock:
            if self._threads is None:
                from concurrent.futures import ThreadPoolExecutor

                self._threads = ThreadPoolExecutor(FALLBACK_THREADS, thread_name_prefix="phiscope-get")
        futures = [self._threads.submit(self._alone, bucket, w, limit) for w in wants]
        for f in futures:
            yield f.result()

    def _alone(self, bucket: str, want: Want, limit: int) -> bytes | None:
        for got in self._pipelined(bucket, [want], limit):
            return got
        return None

    @staticmethod
    def _room(waiting: int, in_flight: int, want: Want) -> bool:
        return waiting < DEPTH and in_flight + want.expect <= WINDOW_BYTES

    def _request(self, bucket: str, want: Want) -> bytes:
        host, path = self._where(bucket, want.key)
        headers = {"Range": f"bytes=0-{want.expect - 1}"} if want.ranged and want.expect > 0 else {}
        return self._request_to(host, path, "", headers)

    def _request_to(self, host: str, path: str, query: str, headers: dict[str, str]) -> bytes:
        if not self.anonymous:
            headers = self._signed(host, path, headers, query)
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        target = f"{path}?{query}" if query else path
        return f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{lines}\r\n".encode()

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

    def _signed(self, host: str, path: str, headers: dict[str, str], query: str = "") -> dict[str, str]:
        """`headers` plus the SigV4 ones, as botocore's S3SigV4Auth adds them to a GET."""
        creds = self.credentials.get_frozen_credentials()  # type: ignore[union-attr]
        now = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return sigv4_get_headers(
            host=host,
            path=path,
            query=query,
            headers=headers,
            access_key=creds.access_key,
            signing_key=self._signing_key(creds.secret_key, now[:8]),
            token=creds.token,
            region=self.region,
            amz_date=now,
        )

    def _signing_key(self, secret: str, day: str) -> bytes:
        key = self._keys.get((secret, day))
        if key is None:
            self._keys.clear()  # only today's is used
            key = self._keys[(secret, day)] = signing_key(secret, day, self.region)
        return key

    def _pipe(self, host: str) -> _Pipe:
        pipes: dict[str, _Pipe] = self._local.__dict__.setdefault("pipes", {})
        pipe = pipes.get(host)
        if pipe is None:
            https = self.endpoint.scheme == "https"
            where = urlsplit(f"//{host}")
            pipe = _Pipe(
                where.hostname or host, where.port or (443 if https else 80), https, where.hostname or host
            )
            pipes[host] = pipe
        return pipe

    def _drop_pipe(self, pipe: _Pipe | None) -> None:
        pipes: dict[str, _Pipe] = self._local.__dict__.get("pipes", {})
        for host, p in list(pipes.items()):
            if p is pipe:
                del pipes[host]
        if pipe is not None:
            pipe.close()


def signing_key(secret: str, day: str, region: str, service: str = "s3") -> bytes:
    """SigV4's derived key for one day, region and service."""
    key = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sigv4_get_headers(
    *,
    host: str,
    path: str,
    headers: dict[str, str],
    access_key: str,
    signing_key: bytes,
    token: str | None,
    region: str,
    amz_date: str,
    query: str = "",
) -> dict[str, str]:
    """The headers of a signed S3 GET: what botocore's S3SigV4Auth.add_auth adds (X-Amz-Date,
    X-Amz-Security-Token, X-Amz-Content-SHA256 of the empty body, Authorization). `path` is the
    request path as sent (S3 signs it as it is, already percent-encoded); `query` the canonical
    query string (`canonical_query`), sent as it is signed."""
    out = dict(headers)
    out["X-Amz-Date"] = amz_date
    if token:
        out["X-Amz-Security-Token"] = token
    out["X-Amz-Content-SHA256"] = EMPTY_SHA256
    signed = {k.lower(): " ".join(v.split()) for k, v in out.items()}
    signed["host"] = host
    names = sorted(signed)
    canonical = "\n".join(
        ["GET", path, query, *(f"{k}:{signed[k]}" for k in names), "", ";".join(names), EMPTY_SHA256]
    )
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return out


def canonical_query(params: dict[str, str]) -> str:
    """SigV4's canonical query string: names and values percent-encoded (RFC 3986 unreserved
    characters kept), sorted by name."""
    pairs = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in params.items())
    return "&".join(f"{k}={v}" for k, v in pairs)


def parse_listing(body: bytes) -> tuple[list[Listed], bool, str | None]:
    """(keys, truncated, next continuation token) of a ListObjectsV2 answer. Keys are decoded as
    botocore decodes them (unquote_plus, only when the answer says EncodingType url). ValueError
    for anything that is not such an answer."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as e:
        raise ValueError(str(e)) from None
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    if root.tag != f"{ns}ListBucketResult":
        raise ValueError(f"not a listing: {root.tag[len(ns) :]}")
    contents, key_tag, size_tag, etag_tag = f"{ns}Contents", f"{ns}Key", f"{ns}Size", f"{ns}ETag"
    modified_tag, class_tag = f"{ns}LastModified", f"{ns}StorageClass"
    raw: list[tuple[str, str, str | None, str | None, str | None]] = []
    truncated, token, encoded = False, None, False
    for el in root:
        tag = el.tag
        if tag == contents:
            key = size = etag = modified = klass = None
            for f in el:
                t = f.tag
                if t == key_tag:
                    key = f.text or ""
                elif t == size_tag:
                    size = f.text
                elif t == etag_tag:
                    etag = f.text
                elif t == modified_tag:
                    modified = f.text
                elif t == class_tag:
                    klass = f.text
            if key is None:
                raise ValueError("a listed object without a key")
            raw.append((key, size or "0", etag, modified, klass))
        elif tag == f"{ns}IsTruncated":
            truncated = (el.text or "").strip().lower() == "true"
        elif tag == f"{ns}NextContinuationToken":
            token = el.text
        elif tag == f"{ns}EncodingType":
            encoded = (el.text or "").strip() == "url"
    keys = [Listed(unquote_plus(k) if encoded else k, int(n), e, m, c) for k, n, e, m, c in raw]
    return keys, truncated, token
