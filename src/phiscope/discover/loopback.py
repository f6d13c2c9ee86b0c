"""An AWS-like anonymous front on loopback, for tests, the benchmark and demos of `phiscope discover`.

moto stores ACLs and bucket policies but answers every request, signed or not, as if it were
allowed: it cannot stand in for what AWS tells an anonymous caller. This front sits before a moto
server and answers unsigned requests the way S3 does: 404 NoSuchBucket for an unknown name, 403
AccessDenied unless the bucket ACL grants AllUsers READ (listing) or the bucket policy / object ACL
grants anonymous s3:GetObject (reading), 301 PermanentRedirect with `x-amz-bucket-region` for a
bucket in another region, 503 SlowDown when told to throttle. Allowed GETs are forwarded to moto
unchanged; writes are refused and never forwarded. Every request is logged, so tests can check
what a discovery run did to the servers.

Without an upstream it serves a static map of names to access levels (the benchmark's endpoint).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import ClientSession, web

PRIVATE, LISTABLE, READABLE = "private", "listable", "readable"
_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_MOTO_AUTH = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
)


def _error(status: int, code: str, headers: dict[str, str] | None = None, extra: str = "") -> web.Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{code}</Message>{extra}</Error>"
    )
    return web.Response(status=status, body=body.encode(), content_type="application/xml", headers=headers)


@dataclass
class Access:
    list: bool = False
    read_all: bool = False  # bucket policy grants anonymous s3:GetObject
    region: str = "us-east-1"


@dataclass
class AnonymousGateway:
    """`start()` runs it in a thread with its own event loop, `stop()` ends it; `log` is the access log."""

    upstream: str | None = None  # moto endpoint; None: static mode
    region: str = "us-east-1"
    region_prefix: bool = False  # paths are /REGION/BUCKET/KEY (a template with {region})
    static: dict[str, str] = field(default_factory=dict)  # static mode: bucket -> private|listable|readable
    static_regions: dict[str, str] = field(default_factory=dict)
    throttle: dict[str, int] = field(default_factory=dict)  # bucket -> number of 503 SlowDown to give first
    security_txt: str | None = None  # served at /.well-known/security.txt when set
    region_miss: str = (
        "redirect"  # a bucket asked for in another region: "redirect" (S3) or "404" (Spaces-like)
    )
    log: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    _access: dict[str, Access] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    _session: ClientSession | None = None
    _admin: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- access decisions ----------------------------------------------------------------------------

    def refresh(self, regions: dict[str, str] | None = None) -> None:
        """Read every bucket's ACL and policy from moto (as its admin) and decide anonymous access."""
        access: dict[str, Access] = {}
        if self.upstream is None:
            for b, level in self.static.items():
                access[b] = Access(
                    list=level in (LISTABLE, READABLE),
                    read_all=level == READABLE,
                    region=self.static_regions.get(b, self.region),
                )
            self._access = access
            return
        import boto3
        from botocore.config import Config

        if self._admin is None:
            self._admin = boto3.client(
                "s3",
                endpoint_url=self.upstream,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(s3={"addressing_style": "path"}),
            )
        for b in self._admin.list_buckets().get("Buckets", []):
            name = b["Name"]
            acl = self._admin.get_bucket_acl(Bucket=name)
            public_list = any(
                g.get("Grantee", {}).get("URI") == _ALL_USERS
                and g.get("Permission") in ("READ", "FULL_CONTROL")
                for g in acl.get("Grants", [])
            )
            read_all = False
            try:
                pol = json.loads(self._admin.get_bucket_policy(Bucket=name)["Policy"])
                read_all = any(_anonymous(st, "s3:GetObject") for st in pol.get("Statement", []))
                public_list = public_list or any(
                    _anonymous(st, "s3:ListBucket") for st in pol.get("Statement", [])
                )
            except self._admin.exceptions.ClientError:
                pass
            access[name] = Access(public_list, read_all, (regions or {}).get(name, self.region))
        self._access = access

    def _object_public(self, bucket: str, key: str) -> bool:
        if self.upstream is None:
            return False
        try:
            acl = self._admin.get_object_acl(Bucket=bucket, Key=key)
        except Exception:
            return False
        return any(
            g.get("Grantee", {}).get("URI") == _ALL_USERS and g.get("Permission") in ("READ", "FULL_CONTROL")
            for g in acl.get("Grants", [])
        )

    # -- HTTP ----------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "query": request.query_string,
            "range": request.headers.get("Range"),
            "user_agent": request.headers.get("User-Agent"),
            "signed": "Authorization" in request.headers,
        }
        self.log.append(entry)
        resp = await self._answer(request, entry)
        entry["status"] = resp.status
        return resp

    async def _answer(self, request: web.Request, entry: dict[str, Any]) -> web.StreamResponse:
        parts = (
            unquote(request.raw_path.split("?", 1)[0]).lstrip("/").split("/", 2 if self.region_prefix else 1)
        )
        region = self.region
        if self.region_prefix:
            region, parts = parts[0], parts[1:]
        bucket = parts[0] if parts else ""
        key = parts[1] if len(parts) > 1 else ""
        entry["bucket"], entry["key"] = bucket, key
        if request.method not in ("GET", "HEAD"):
            return _error(403, "AccessDenied")  # anonymous writes: refused, never forwarded
        if request.path == "/.well-known/security.txt" and self.security_txt is not None:
            return web.Response(text=self.security_txt, content_type="text/plain")
        acc = self._access.get(bucket)
        if acc is None:
            return _error(404, "NoSuchBucket")
        if self.throttle.get(bucket, 0) > 0:
            self.throttle[bucket] -= 1
            return _error(503, "SlowDown")
        if acc.region != region and self.region_miss == "404":
            return _error(404, "NoSuchBucket")
        if acc.region != region:
            return _error(
                301,
                "PermanentRedirect",
                {"x-amz-bucket-region": acc.region},
                f"<Endpoint>{bucket}.s3.{acc.region}.amazonaws.com</Endpoint><Bucket>{bucket}</Bucket>",
            )
        if not key:
            if not acc.list:
                return _error(403, "AccessDenied", {"x-amz-bucket-region": acc.region})
            return await self._forward(request, bucket, key, acc)
        allowed = acc.read_all or await asyncio.get_running_loop().run_in_executor(
            None, self._object_public, bucket, key
        )
        if not allowed:
            return _error(403, "AccessDenied")
        return await self._forward(request, bucket, key, acc)

    async def _forward(self, request: web.Request, bucket: str, key: str, acc: Access) -> web.StreamResponse:
        if self.upstream is None:
            return self._static(request, bucket, key, acc)
        assert self._session is not None
        url = f"{self.upstream}/{quote(bucket)}" + (f"/{quote(key, safe='/~')}" if key else "")
        headers = {h: request.headers[h] for h in ("Range",) if h in request.headers}
        # moto routes a request to its S3 backend by the credential scope; it does not check signatures
        headers["Authorization"] = _MOTO_AUTH
        async with self._session.request(
            request.method, url, params=request.query, headers=headers, allow_redirects=False
        ) as up:
            body = await up.read()
            out_headers = {
                h: up.headers[h]
                for h in ("Content-Type", "Content-Range", "ETag", "Last-Modified")
                if h in up.headers
            }
            out_headers["x-amz-bucket-region"] = acc.region
            return web.Response(status=up.status, body=body, headers=out_headers)

    def _static(self, request: web.Request, bucket: str, key: str, acc: Access) -> web.Response:
        if not key:
            items = "".join(f"<Contents><Key>file-{i}.csv</Key><Size>64</Size></Contents>" for i in range(3))
            body = (
                f'<?xml version="1.0"?><ListBucketResult><Name>{bucket}</Name>'
                f"<IsTruncated>false</IsTruncated>{items}</ListBucketResult>"
            )
            return web.Response(body=body.encode(), content_type="application/xml")
        data = b"name,city\nA,B\n" * 4
        return web.Response(status=206, body=data[:1], headers={"Content-Range": f"bytes 0-0/{len(data)}"})

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> AnonymousGateway:
        self.refresh()
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as e:  # reported to start()
                errors.append(e)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="anonymous-gateway", daemon=True)
        self._thread.start()
        ready.wait(30)
        if errors:
            raise errors[0]
        return self

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        if self.upstream is not None:
            self._session = ClientSession()

    async def _shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
            self._loop = None

    def __enter__(self) -> AnonymousGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _anonymous(st: dict[str, Any], action: str) -> bool:
    """An unconditional Allow of `action` to everyone (Principal "*")."""
    if st.get("Effect") != "Allow" or st.get("Condition"):
        return False
    p = st.get("Principal")
    if not (p == "*" or (isinstance(p, dict) and p.get("AWS") in ("*", ["*"]))):
        return False
    actions = st.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    return any(a in (action, "s3:*", "*") or (a.endswith("*") and action.startswith(a[:-1])) for a in actions)


def main() -> None:
    """`python -m phiscope.discover.loopback BUCKET=LEVEL...`: serve a static map until stdin closes.

    Prints the port on the first line (the benchmark starts it in its own process).
    """
    static = dict(a.split("=", 1) for a in sys.argv[1:])
    gw = AnonymousGateway(static=static).start()
    print(gw.port, flush=True)
    try:
        sys.stdin.read()
    finally:
        print(json.dumps({"requests": len(gw.log)}), flush=True)
        gw.stop()


if __name__ == "__main__":
    main()
