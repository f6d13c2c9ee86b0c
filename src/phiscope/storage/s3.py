"""Talk to AWS S3 or any S3-compatible endpoint (MinIO, Ceph RGW, OVH, Scaleway, moto).

One place builds clients so every command honours the same options: the standard boto3 credential
chain, a profile, a custom endpoint, path-style addressing, anonymous (unsigned) mode, and the SDK's
retry modes for throttling (503 SlowDown) and transient errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from phiscope.model import ObjectRef
from phiscope.storage import deadline
from phiscope.storage.base import Fetched, new_spool

DEFAULT_RETRIES = {"max_attempts": 8, "mode": "adaptive"}


def make_session(profile: str | None = None, region: str | None = None) -> Any:
    import boto3

    session = boto3.session.Session(profile_name=profile, region_name=region)
    share_loader(session)
    return session


_LOADER: Any = None


def share_loader(session: Any) -> None:
    """The session reads botocore's service models and endpoint rules through this process's one
    loader, which keeps what it read: each new session otherwise parsed the same JSON files again
    (~0.1 s of CPU per client; a scan makes four before its first object: S3, S3 again to name an
    unreachable endpoint, STS, S3 Control). The files never change while the process runs."""
    global _LOADER
    import botocore.loaders

    if _LOADER is None:
        _LOADER = botocore.loaders.create_loader()
    core = getattr(session, "_session", session)
    core.register_component("data_loader", _LOADER)


def make_client(
    service: str = "s3",
    *,
    endpoint_url: str | None = None,
    profile: str | None = None,
    region: str | None = None,
    anonymous: bool = False,
    path_style: bool | None = None,
    retries: dict[str, Any] | None = None,
    max_pool_connections: int = 32,
    connect_timeout: float = 3.0,
    read_timeout: float = deadline.READ_TIMEOUT,
    session: Any = None,
) -> Any:
    """A boto3 client. `anonymous=True` sends unsigned requests (the attacker's view); `session`
    (an assumed role's, for an Organization scan) replaces the profile's.

    Path-style addressing defaults to on for custom endpoints (MinIO, Ceph and moto need it) and to
    the SDK's choice for AWS itself.
    """
    import botocore
    from botocore.config import Config

    if path_style is None:
        path_style = endpoint_url is not None
    cfg = Config(
        signature_version=botocore.UNSIGNED if anonymous else None,
        s3={"addressing_style": "path" if path_style else "auto"},
        retries=retries or DEFAULT_RETRIES,  # type: ignore[arg-type,unused-ignore]
        max_pool_connections=max_pool_connections,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    session = session or make_session(profile, region)
    _fast_timestamps(session)
    region_name = region or session.region_name or "us-east-1"
    client = session.client(service, endpoint_url=endpoint_url, region_name=region_name, config=cfg)
    if service == "s3control" and endpoint_url:
        _keep_custom_host(client, endpoint_url)
    return deadline.install(client, endpoint_url)  # total time per call, retries included


def parse_timestamp(value: Any) -> Any:
    """botocore's timestamp parser, with the form every S3 listing uses (`2026-12-02T15:09:17.000Z`)
    read by `datetime.fromisoformat` (~1 µs) instead of dateutil (~25 µs): a quarter of the CPU of
    listing a bucket of a million objects. Any other form goes to botocore's own parser."""
    from datetime import datetime

    from botocore.utils import parse_timestamp as botocore_parse

    if isinstance(value, str) and value.endswith("Z") and len(value) in (20, 24) and value[10] == "T":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return botocore_parse(value)


def _fast_timestamps(session: Any) -> None:
    """Responses of clients built from this session parse timestamps with `parse_timestamp`."""
    core = getattr(session, "_session", None)
    if core is not None:
        core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parse_timestamp)


def _keep_custom_host(client: Any, endpoint_url: str) -> None:
    """s3control puts the account id in front of the host (`ACCOUNT.s3-control...`); a custom
    endpoint (moto, MinIO, a proxy) has no such DNS name, so the prefix is removed before signing."""
    from urllib.parse import urlsplit, urlunsplit

    want = urlsplit(endpoint_url).netloc

    def strip_account_host(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        if parts.netloc != want and parts.netloc.endswith("." + want):
            request.url = urlunsplit(parts._replace(netloc=want))
            if "host" in request.headers:
                del request.headers["host"]
                request.headers["host"] = want

    client.meta.events.register("before-sign.s3-control", strip_account_host)


_UNREACHABLE = ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError")


def unreachable_cause(
    endpoint_url: str | None = None,
    *,
    profile: str | None = None,
    region: str | None = None,
    anonymous: bool = False,
    path_style: bool | None = None,
    bucket: str | None = None,
) -> str | None:
    """One request, no retries, short connect timeout: None when the endpoint answers at all (any
    HTTP status, even AccessDenied), else why not. Fails a dead endpoint in seconds, not the
    minutes the adaptive retries would take."""
    try:
        client = make_client(
            "s3",
            endpoint_url=endpoint_url,
            profile=profile,
            region=region,
            anonymous=anonymous,
            path_style=path_style,
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=3.0,
            read_timeout=10.0,
        )
        if bucket:
            client.head_bucket(Bucket=bucket)
        else:
            client.list_buckets()
    except Exception as e:
        if type(e).__name__ in _UNREACHABLE:
            return f"endpoint unreachable ({type(e).__name__})"
    return None


def has_credentials(profile: str | None = None) -> bool:
    """True when the standard credential chain yields credentials (else: anonymous mode)."""
    try:
        return make_session(profile).get_credentials() is not None
    except Exception:
        return False


RANGE_CHUNK = 16 * 1024**2  # large objects are read with ranged GETs of this size


class S3Store:
    """Buckets and objects of one S3-compatible endpoint, through one boto3 client."""

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        profile: str | None = None,
        region: str | None = None,
        anonymous: bool = False,
        path_style: bool | None = None,
        client: Any = None,
    ) -> None:
        self.endpoint = endpoint_url
        self.profile = profile
        self.region = region
        self.anonymous = anonymous
        self.client = client or make_client(
            "s3",
            endpoint_url=endpoint_url,
            profile=profile,
            region=region,
            anonymous=anonymous,
            path_style=path_style,
        )
        self._fast: Any = None  # s3fast.FastGetter for listings, made on first use

    def list_buckets(self) -> list[str]:
        resp = self.client.list_buckets()
        return sorted(b["Name"] for b in resp.get("Buckets", []))

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectRef]:
        """Every object under `prefix` ("folder" markers left out), a page at a time: read by
        storage/s3fast.py while the endpoint answers plain listings, else (an error, a redirect,
        throttling) by boto3 from the page that was not read, with its retries and error codes."""
        from phiscope.storage.s3fast import FastGetter, SlowListing

        token: str | None = None
        if self._fast is None:
            self._fast = FastGetter(self.client, anonymous=self.anonymous)
        try:
            for page in self._fast.list_pages(bucket, prefix, self.endpoint or "aws"):
                for o in page:
                    if not (o.key.endswith("/") and o.size == 0):
                        yield ObjectRef(
                            bucket=bucket,
                            key=o.key,
                            size=o.size,
                            etag=(o.etag or "").strip('"') or None,
                            last_modified=parse_timestamp(o.last_modified) if o.last_modified else None,
                            storage_class=o.storage_class,
                        )
            return
        except SlowListing as slow:
            token = slow.token
        yield from self._boto3_listing(bucket, prefix, token)

    def _boto3_listing(self, bucket: str, prefix: str, token: str | None) -> Iterator[ObjectRef]:
        kw: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": 1000}
        while True:
            if token is not None:
                kw["ContinuationToken"] = token
            page = self.client.list_objects_v2(**kw)
            for o in page.get("Contents", []):
                if o["Key"].endswith("/") and o.get("Size", 0) == 0:
                    continue  # "folder" marker objects
                yield ObjectRef(
                    bucket=bucket,
                    key=o["Key"],
                    size=int(o.get("Size", 0)),
                    etag=(o.get("ETag") or "").strip('"') or None,
                    last_modified=o.get("LastModified"),
                    storage_class=o.get("StorageClass"),
                )
            following = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not following:
                return
            if following == token:
                raise RuntimeError(f"the listing of {bucket} repeated its continuation token")
            token = following

    def fetch(self, ref: ObjectRef, max_bytes: int) -> Fetched:
        """Download up to `max_bytes`, in ranged GETs so a large object streams to a spool file."""
        spool = new_spool()
        want = min(ref.size, max_bytes) if ref.size else max_bytes
        got = 0
        while True:
            end = min(want, got + RANGE_CHUNK) - 1
            if end < got:
                break
            kw: dict[str, Any] = {"Bucket": ref.bucket, "Key": ref.key}
            if ref.size > RANGE_CHUNK or ref.size > max_bytes or got:
                kw["Range"] = f"bytes={got}-{end}"
            data = deadline.call_with_deadline(
                self.endpoint or "aws", deadline.body_deadline(end + 1 - got), partial(self._get, kw)
            )
            spool.write(data)
            got += len(data)
            if "Range" not in kw or got >= want:
                break
        spool.seek(0)
        return Fetched(spool, got, truncated=ref.size > got)

    def _get(self, kw: dict[str, Any]) -> bytes:
        """One GET, body included (at most RANGE_CHUNK bytes; a trickling body is bounded by the
        caller's deadline, and an abandoned read never touches the caller's spool)."""
        body = self.client.get_object(**kw)["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()
