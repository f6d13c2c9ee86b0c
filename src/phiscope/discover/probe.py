"""Anonymous existence and access checks, asynchronously, politely and within a request budget.

One unsigned GET of the bucket's listing (`?max-keys=K`) tells everything at once: 404 NoSuchBucket
(no such bucket), 403 (exists, private), 200 (exists, listable, and the first page of keys). Only a
listable bucket gets a second request: a 1-byte ranged GET of one listed object, to tell readable
from list-only. Redirects are never followed blindly: a region redirect is re-issued to the same
provider's regional endpoint, anything else is reported. No request ever writes.
"""

from __future__ import annotations

import asyncio
import html
import random
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from phiscope import __version__
from phiscope.discover.providers import PROTOCOL_AZURE, Provider

USER_AGENT = f"PHIscope/{__version__} (bucket discovery; anonymous, read-only; one listing page at most)"

NO_SUCH = "no-such-bucket"
PRIVATE = "exists-private"
LISTABLE = "exists-listable"
READABLE = "exists-readable"
ERROR = "error"
EXPOSED = (LISTABLE, READABLE)

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_RETRY_CODES = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "ServerBusy"})
_CODE = re.compile(rb"<Code>([^<]{1,100})</Code>")
_REGION = re.compile(rb"<Region>([a-z0-9-]{1,40})</Region>")
_KEY = re.compile(r"<(?:Key|Name)>([^<]{0,1024})</(?:Key|Name)>")
_SIZE = re.compile(r"<(?:Size|Content-Length)>(\d{1,20})</(?:Size|Content-Length)>")
_TRUNC = re.compile(r"<IsTruncated>\s*true\s*</IsTruncated>|<NextMarker>[^<]+</NextMarker>", re.I)
_DIGITS = re.compile(r"\d{3,}")
_HEADERS = (
    "x-amz-bucket-region",
    "x-amz-error-code",
    "x-ms-error-code",
    "retry-after",
    "content-range",
    "location",
)
MAX_ERROR_BODY = 16 * 1024
MAX_LIST_BODY = 1024 * 1024


class BudgetExhausted(Exception):
    """The --max-requests budget is spent: what is left is reported as not checked."""


class EndpointUnreachable(aiohttp.ClientError):
    """An endpoint failed DEAD_AFTER checks in a row with no HTTP answer: the rest fail fast."""


DEAD_AFTER = 8


def mask_key(key: str) -> str:
    """Object keys can carry identifiers (report-123-45-6789.pdf): runs of 3+ digits become '#'s."""
    key = _DIGITS.sub(lambda m: "#" * len(m.group()), key)
    return key if len(key) <= 120 else key[:117] + "..."


@dataclass(slots=True)
class BucketResult:
    bucket: str
    provider: str
    endpoint: str
    state: str
    region: str | None = None
    anon_list: bool | None = None  # None: not established (e.g. error)
    anon_read: bool | None = None  # None: not tested (nothing listed, or not listable)
    keys_seen: int = 0
    more_keys: bool = False
    example_keys: list[str] = field(default_factory=list)  # masked
    reason: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    checked_at: str = ""
    classification: dict[str, Any] | None = None
    _keys: list[tuple[str, int]] = field(default_factory=list, repr=False)  # (key, size): in memory only
    _host: str = field(default="", repr=False)  # rate-limit key of the endpoint that answered

    @property
    def exists(self) -> bool:
        return self.state in (PRIVATE, LISTABLE, READABLE)

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        d["anonymous"] = {"list": d.pop("anon_list"), "read": d.pop("anon_read")}
        return d


class TokenBucket:
    """Requests per second with a small burst; `acquire` waits only when the bucket is empty."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = float(rate)
        self.capacity = max(1.0, burst if burst is not None else self.rate / 10)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    async def acquire(self) -> None:
        while True:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return
            await asyncio.sleep((1.0 - self.tokens) / self.rate)


@dataclass
class Settings:
    rate: float = 50.0  # requests per second, all hosts together
    per_host_rate: float = 20.0  # requests per second to one provider endpoint
    concurrency: int = 32
    max_requests: int = 100_000
    list_keys: int = 100  # keys asked for in the one listing page
    timeout: float = 15.0
    retries: int = 4
    backoff: float = 0.25  # first retry delay in seconds, doubled each time (with jitter)


@dataclass(slots=True)
class _Reply:
    status: int
    code: str | None
    headers: dict[str, str]
    body: bytes


class Prober:
    """Owns the HTTP session, the rate limits and the budget; `check` one (name, provider)."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession) -> None:
        self.s = settings
        self.session = session
        self.global_limit = TokenBucket(settings.rate)
        self.host_limits: dict[str, TokenBucket] = {}
        self.requests = 0
        self.by_status: dict[str, int] = {}
        self.failures: dict[str, int] = {}  # host -> checks in a row that got no HTTP answer
        self.dead: set[str] = set()

    # -- one request --------------------------------------------------------------------------------

    def _take_budget(self) -> None:
        if self.requests >= self.s.max_requests:
            raise BudgetExhausted
        self.requests += 1

    async def _limit(self, host: str) -> None:
        lim = self.host_limits.get(host)
        if lim is None:
            lim = self.host_limits[host] = TokenBucket(self.s.per_host_rate)
        await lim.acquire()
        await self.global_limit.acquire()

    async def request(
        self,
        url: str,
        host: str,
        evidence: list[dict[str, Any]],
        *,
        headers: dict[str, str] | None = None,
        max_body: int = MAX_ERROR_BODY,
        purpose: str,
    ) -> _Reply:
        """GET with retries on throttling and transient errors; every attempt is recorded as evidence.

        Raises aiohttp.ClientError (after the retries) when no HTTP answer came back.
        """
        attempt = 0
        while True:
            if host in self.dead:
                evidence.append(
                    {"method": "GET", "url": url, "purpose": purpose, "error": "not sent: endpoint down"}
                )
                raise EndpointUnreachable(host)
            self._take_budget()
            await self._limit(host)
            rec: dict[str, Any] = {"method": "GET", "url": url, "purpose": purpose}
            if headers and "Range" in headers:
                rec["range"] = headers["Range"]
            rec["at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
            evidence.append(rec)
            try:
                async with self.session.get(url, headers=headers, allow_redirects=False) as resp:
                    body = await _read_upto(resp.content, max_body)  # never more, whatever is sent
                    status = resp.status
                    rh = resp.headers  # case-insensitive; only the few headers the verdicts use
                    hdrs = {h: rh[h] for h in _HEADERS if h in rh}
            except (aiohttp.ClientError, TimeoutError) as e:
                rec["error"] = type(e).__name__
                if isinstance(e, aiohttp.ClientConnectorDNSError) or attempt >= self.s.retries:
                    if not isinstance(e, aiohttp.ClientConnectorDNSError):
                        self.failures[host] = self.failures.get(host, 0) + 1
                        if self.failures[host] >= DEAD_AFTER:
                            self.dead.add(host)
                    raise
                attempt += 1
                await asyncio.sleep(self._delay(attempt, None))
                continue
            self.failures[host] = 0
            code = _code(status, hdrs, body)
            rec["status"] = status
            if code:
                rec["code"] = code
            if status >= 200 and status < 300:
                rec["bytes"] = len(body)
            key = str(status)
            self.by_status[key] = self.by_status.get(key, 0) + 1
            if (status in _RETRY_STATUS or code in _RETRY_CODES) and attempt < self.s.retries:
                attempt += 1
                await asyncio.sleep(self._delay(attempt, hdrs.get("retry-after")))
                continue
            return _Reply(status, code, hdrs, body)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), 30.0)
        base = self.s.backoff * (2 ** (attempt - 1))
        return min(base * (0.5 + random.random()), 10.0)

    # -- one candidate ------------------------------------------------------------------------------

    async def check(self, name: str, provider: Provider) -> list[BucketResult]:
        """All regions of `provider` in turn until one knows the bucket; Azure per container."""
        if provider.protocol == PROTOCOL_AZURE:
            return await self._check_azure(name, provider)
        last: BucketResult | None = None
        for region in provider.regions:
            r = await self._check_s3(name, provider, region)
            if r.state != NO_SUCH:
                return [r]
            last = r
        assert last is not None
        return [last]

    async def _check_s3(self, name: str, p: Provider, region: str | None) -> BucketResult:
        url = p.url(name, region)
        res = BucketResult(bucket=name, provider=p.name, endpoint=url, state=ERROR, region=region)
        res.checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        ev = res.requests
        host = p.host_key(region)
        try:
            rep = await self.request(self._list_url(url), host, ev, max_body=MAX_LIST_BODY, purpose="list")
            new_region = rep.headers.get("x-amz-bucket-region") or _body_region(rep.body)
            if new_region and new_region != region and rep.status in (301, 307, 400):
                target = p.regional_url(name, new_region)
                res.region = new_region
                if target is None:
                    res.reason = (
                        f"exists in region {new_region}; access not verified (no regional endpoint known)"
                    )
                    return res
                url = res.endpoint = target
                host = p.host_key(new_region, regional=True)
                rep = await self.request(
                    self._list_url(url), host, ev, max_body=MAX_LIST_BODY, purpose="list"
                )
            elif new_region:
                res.region = new_region
            res._host = host
            self._interpret_list(res, rep)
            if res.state == LISTABLE:
                await self._read_test(res, url, host)
        except BudgetExhausted:
            res.state, res.reason = ERROR, "not checked: request budget (--max-requests) spent"
        except (aiohttp.ClientError, TimeoutError) as e:
            res.state, res.reason = ERROR, f"no HTTP answer ({type(e).__name__})"
        return res

    def _list_url(self, bucket_url: str) -> str:
        sep = "&" if "?" in bucket_url else "?"
        return f"{bucket_url}{sep}max-keys={self.s.list_keys}"

    def _interpret_list(self, res: BucketResult, rep: _Reply) -> None:
        code = rep.code or ""
        if rep.status == 200 and (b"<ListBucketResult" in rep.body or b"<EnumerationResults" in rep.body):
            res.state, res.anon_list = LISTABLE, True
            text = rep.body.decode("utf-8", "replace")
            # one entry per <Contents> (S3) or <Blob> (Azure): the bucket's own <Name> comes before them
            entries = re.split(r"<Contents>|<Blob>", text)[1:]
            pairs = []
            for e in entries:
                k, sz = _KEY.search(e), _SIZE.search(e)
                if k:
                    pairs.append((html.unescape(k.group(1)), int(sz.group(1)) if sz else 0))
            res._keys = pairs
            keys = [k for k, _ in pairs]
            res.keys_seen = len(keys)
            res.more_keys = bool(_TRUNC.search(text))
            res.example_keys = [mask_key(k) for k in keys[:3]]
        elif rep.status == 404 and code in ("NoSuchBucket", "ContainerNotFound", "ResourceNotFound", ""):
            res.state = NO_SUCH
        elif rep.status in (401, 403) or code in (
            "AccessDenied",
            "AllAccessDisabled",
            "PublicAccessNotPermitted",
        ):
            res.state, res.anon_list = PRIVATE, False
            res.reason = code or "403"
        elif rep.status in (301, 307):
            # the name exists somewhere, but whether anyone may list it was not established
            res.state = ERROR
            res.reason = f"exists (redirect {rep.status} {code}, not followed); access not verified"
        elif rep.status == 400 and code == "InvalidBucketName":
            res.state, res.reason = NO_SUCH, "provider rejects this name (InvalidBucketName)"
        else:
            res.state = ERROR
            res.reason = f"unexpected answer HTTP {rep.status} {code}".strip()

    async def _read_test(self, res: BucketResult, url: str, host: str) -> None:
        """One byte of up to two listed objects: readable or list-only. Never the whole object."""
        files = [k for k, _ in pick_objects(res._keys, 2)]
        if not files:
            res.reason = "listable; empty first page, so anonymous read could not be tested"
            return
        denied = False
        for key in files:
            rep = await self.request(
                object_url(url, key),
                host,
                res.requests,
                headers={"Range": "bytes=0-0"},
                max_body=1,
                purpose="read-test",
            )
            if rep.status in (200, 206):
                res.state, res.anon_read = READABLE, True
                return
            if rep.status == 403:
                denied = True
                break
        if denied:
            res.anon_read = False
        else:
            res.reason = "listable; read test got no answer that proves or refutes anonymous read"

    # -- Azure: the account is the name, anonymous access is per container ---------------------------------

    async def _check_azure(self, account: str, p: Provider) -> list[BucketResult]:
        base = p.url(account)
        host = p.host_key()
        acct = BucketResult(bucket=account, provider=p.name, endpoint=base, state=ERROR)
        acct.checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            rep = await self.request(base + "?comp=list&maxresults=1", host, acct.requests, purpose="account")
        except BudgetExhausted:
            acct.reason = "not checked: request budget (--max-requests) spent"
            return [acct]
        except aiohttp.ClientConnectorDNSError:
            acct.state, acct.reason = NO_SUCH, "no such storage account (name does not resolve)"
            return [acct]
        except (aiohttp.ClientError, TimeoutError) as e:
            acct.reason = f"no HTTP answer ({type(e).__name__})"
            return [acct]
        if rep.status == 404 and rep.code in ("AccountNotFound", None, ""):
            acct.state = NO_SUCH
            return [acct]
        # any other answer: the account exists (Azure never lists an account's containers anonymously)
        acct.state, acct.anon_list = PRIVATE, False
        acct.reason = "storage account exists; no container among those tried is public"
        found: list[BucketResult] = []
        for c in p.containers:
            r = BucketResult(bucket=f"{account}/{c}", provider=p.name, endpoint=f"{base}{c}", state=ERROR)
            r.checked_at = acct.checked_at
            r._host = host
            try:
                rep = await self.request(
                    f"{base}{c}?restype=container&comp=list&maxresults={self.s.list_keys}",
                    host,
                    r.requests,
                    max_body=MAX_LIST_BODY,
                    purpose="list",
                )
                self._interpret_list(r, rep)
                if r.state == LISTABLE:
                    await self._read_test(r, f"{base}{c}/", host)
                    found.append(r)
                elif rep.code == "PublicAccessNotPermitted":
                    acct.reason = "the account forbids public access"
                    break
            except BudgetExhausted:
                acct.state, acct.reason = ERROR, "not fully checked: request budget (--max-requests) spent"
                break
            except (aiohttp.ClientError, TimeoutError) as e:
                acct.state, acct.reason = ERROR, f"no HTTP answer for container {c} ({type(e).__name__})"
                break
        # the account row carries the container requests as evidence too
        acct.requests += [rq for r in found for rq in r.requests]
        return found or [acct]


# Formats whose first bytes can be read on their own come first; containers that need their end
# (zip-based office files, archives) last, since a ranged read of their start rarely parses.
_TEXT_FIRST = {
    **dict.fromkeys(("csv", "tsv", "txt", "json", "ndjson", "jsonl", "xml", "hl7", "sql", "log", "md"), 0),
    **dict.fromkeys(("pdf", "dcm", "eml", "html", "htm", "rtf"), 1),
    **dict.fromkeys(("xlsx", "docx", "xls", "doc", "zip", "7z", "gz", "tar"), 3),
}


def pick_objects(keys: list[tuple[str, int]], n: int) -> list[tuple[str, int]]:
    """Up to n listed objects, the most telling first: readable-from-the-start formats, then larger."""
    files = [(k, size) for k, size in keys if not k.endswith("/")]
    ext = lambda k: k.rsplit(".", 1)[-1].lower() if "." in k.rsplit("/", 1)[-1] else ""  # noqa: E731
    files.sort(key=lambda ks: (ks[1] == 0, _TEXT_FIRST.get(ext(ks[0]), 2), -ks[1]))
    return files[:n]


def object_url(bucket_url: str, key: str) -> str:
    from urllib.parse import quote

    base, _, query = bucket_url.partition("?")
    if not base.endswith("/"):
        base += "/"
    return base + quote(key, safe="/~") + (f"?{query}" if query else "")


async def _read_upto(content: aiohttp.StreamReader, limit: int) -> bytes:
    """At most `limit` bytes of a body (StreamReader.read(n) may return fewer while more is coming)."""
    chunks: list[bytes] = []
    got = 0
    while got < limit:
        b = await content.read(limit - got)
        if not b:
            break
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def _code(status: int, headers: dict[str, str], body: bytes) -> str | None:
    code = headers.get("x-ms-error-code") or headers.get("x-amz-error-code")
    if code:
        return code
    if status >= 300 and body:
        m = _CODE.search(body)
        if m:
            return m.group(1).decode("ascii", "replace")
    return None


def _body_region(body: bytes) -> str | None:
    m = _REGION.search(body) if body else None
    return m.group(1).decode() if m else None


def new_session(settings: Settings, **kw: Any) -> aiohttp.ClientSession:
    """One session for the run: keep-alive per host, a User-Agent that names PHIscope, no cookies."""
    connector = aiohttp.TCPConnector(limit=settings.concurrency, ttl_dns_cache=300, **kw)
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=settings.timeout),
        headers={"User-Agent": USER_AGENT},
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    )


async def run_checks(
    work: Iterable[tuple[str, Provider]],
    settings: Settings,
    prober: Prober,
    on_result: Any = None,
) -> tuple[list[BucketResult], int, int]:
    """Check every (name, provider) with `settings.concurrency` workers.

    Returns (results that exist or errored, names checked, names left unchecked by the budget).
    """
    it = iter(work)
    kept: list[BucketResult] = []
    checked = 0
    unchecked = 0
    stop = False

    async def worker() -> None:
        nonlocal checked, unchecked, stop
        for name, provider in it:
            if stop:
                unchecked += 1
                continue
            results = await prober.check(name, provider)
            if any(r.reason and "budget" in r.reason for r in results):
                stop = True
                unchecked += 1
                continue
            for r in results:
                if r.state != NO_SUCH:
                    kept.append(r)
                    if on_result is not None:
                        on_result(r)
            checked += 1

    await asyncio.gather(*(worker() for _ in range(max(1, settings.concurrency))))
    return kept, checked, unchecked
