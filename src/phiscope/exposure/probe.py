"""The attacker's view: what an unsigned (or unrelated-account) request actually gets from a bucket.

Evidence only, never loot: a listing of a few keys, one byte of one object, the bucket ACL. A write
test runs only when asked, with a uniquely named marker object that is deleted again.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

from phiscope.storage.s3 import make_client
from phiscope.textsafe import server_message

LIST_MAX_KEYS = 5  # keys kept as evidence
READ_TRIES = 5  # non-empty keys tried for read, smallest first
_DEFINITE = ("allowed", "AccessDenied", "AllAccessDisabled", "NoSuchBucket")
_CREDENTIAL_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
}
_REGION_CODES = {
    "PermanentRedirect",
    "301",
    "AuthorizationHeaderMalformed",
    "IllegalLocationConstraintException",
}
_AWS_HOST = re.compile(
    r"^(?:(?P<bucket>.+)\.)?s3(?:[.-](?:website[.-])?(?:dualstack\.)?(?P<region>[a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$",
    re.IGNORECASE,
)
_PROBE_RETRIES = {"max_attempts": 2, "mode": "standard"}


def parse_target(target: str, endpoint_url: str | None = None) -> dict[str, Any]:
    """NAME, NAME/KEY, s3://NAME/KEY, an AWS virtual-hosted or path-style URL, or a URL under a custom
    endpoint (path style) -> {bucket, key, endpoint_url, region}."""
    t = target.strip()
    out: dict[str, Any] = {"bucket": None, "key": None, "endpoint_url": endpoint_url, "region": None}
    if t.lower().startswith("s3://"):
        rest = t[5:]
        bucket, _, key = rest.partition("/")
        out.update(bucket=bucket, key=key or None)
        return out
    if "://" in t:
        u = urlsplit(t)
        host = (u.hostname or "").lower()
        path = unquote(u.path.lstrip("/"))
        m = _AWS_HOST.match(host)
        if m and not endpoint_url:
            region = m.group("region")
            if region and region not in ("external-1",):
                out["region"] = region
            if m.group("bucket"):
                out.update(bucket=m.group("bucket"), key=path or None)
                return out
        elif not endpoint_url:
            port = f":{u.port}" if u.port else ""
            out["endpoint_url"] = f"{u.scheme}://{u.hostname}{port}"
        bucket, _, key = path.partition("/")
        out.update(bucket=bucket or None, key=key or None)
        return out
    bucket, _, key = t.partition("/")
    out.update(bucket=bucket, key=key or None)
    return out


def _err(exc: Exception) -> tuple[str, int | None, dict[str, str], str]:
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        meta = resp.get("ResponseMetadata", {}) or {}
        status = meta.get("HTTPStatusCode")
        headers = {k.lower(): v for k, v in (meta.get("HTTPHeaders") or {}).items()}
        err = resp.get("Error", {}) or {}
        code = str(err.get("Code") or status or "error")
        if "Region" in err and "x-amz-bucket-region" not in headers:
            headers["x-amz-bucket-region"] = str(err["Region"])
        return code, status, headers, server_message(str(err.get("Message") or ""))
    return type(exc).__name__, None, {}, server_message(str(exc))


def classify(code: str, status: int | None = None) -> str:
    """A response code -> the outcome vocabulary of the probe report."""
    if code in ("AccessDenied", "AllAccessDisabled", "NoSuchBucket", "NoSuchKey", "InvalidRange"):
        return code
    if code in _CREDENTIAL_CODES:
        return "InvalidCredentials"
    if code in ("NoCredentialsError", "PartialCredentialsError", "ProfileNotFound"):
        return "NoCredentials"
    if code in _REGION_CODES or status == 301:
        return "WrongRegion"
    if code in (
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
    ):
        return "unreachable"
    if status == 403 or code == "403":
        return "AccessDenied"
    if status == 404 or code == "404":
        return "NotFound"
    return "error"


class _Prober:
    """One audience's client, re-created once in the bucket's region when S3 redirects us."""

    def __init__(self, *, endpoint_url: str | None, region: str | None, profile: str | None, anonymous: bool):
        self.endpoint_url = endpoint_url
        self.region = region
        self.profile = profile
        self.anonymous = anonymous
        self.redirected_to: str | None = None
        self.client = self._make()

    def _make(self) -> Any:
        client = make_client(
            "s3",
            endpoint_url=self.endpoint_url,
            profile=self.profile,
            region=self.region,
            anonymous=self.anonymous,
            retries=_PROBE_RETRIES,
            read_timeout=20.0,
        )
        # the plainest request any S3 implementation answers: no `encoding-type=url` added to lists
        from botocore.handlers import set_list_objects_encoding_type_url

        for op in ("ListObjects", "ListObjectsV2"):
            client.meta.events.unregister(
                f"before-parameter-build.s3.{op}", set_list_objects_encoding_type_url
            )
        return client

    def call(self, op: str, **kw: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(response or None, outcome dict). Follows one region redirect."""
        for attempt in range(2):
            try:
                resp = getattr(self.client, op)(**kw)
                return resp, {
                    "outcome": "allowed",
                    "http_status": resp.get("ResponseMetadata", {}).get("HTTPStatusCode"),
                }
            except Exception as e:  # ClientError, connection and credential errors alike
                code, status, headers, msg = _err(e)
                outcome = classify(code, status)
                new_region = headers.get("x-amz-bucket-region")
                if outcome == "WrongRegion" and new_region and new_region != self.region and attempt == 0:
                    self.region = new_region
                    self.redirected_to = new_region
                    self.client = self._make()
                    continue
                info: dict[str, Any] = {"outcome": outcome, "code": code}
                if status is not None:
                    info["http_status"] = status
                if new_region:
                    info["bucket_region"] = new_region
                if outcome in ("error", "unreachable", "NoCredentials") and msg:
                    info["message"] = msg[:200]
                return None, info
        return None, {"outcome": "error", "code": "redirect loop"}


def _list(p: _Prober, bucket: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """ListObjectsV2 with no extra parameter, then V1: the plainest requests first, so any S3
    implementation answers. Returns (outcome, listed objects)."""
    resp, info = p.call("list_objects_v2", Bucket=bucket)
    info["request"] = "ListObjectsV2"
    if resp is None and info["outcome"] not in _DEFINITE:
        resp1, info1 = p.call("list_objects", Bucket=bucket)
        info1["request"] = "ListObjects (V1)"
        info1["v2_outcome"] = info.get("code") or info["outcome"]
        if resp1 is not None or info1["outcome"] in _DEFINITE:
            resp, info = resp1, info1
    contents: list[dict[str, Any]] = []
    if resp is not None:
        contents = [o for o in resp.get("Contents", []) or [] if not str(o.get("Key", "")).endswith("/")]
        info["keys_seen"] = len(contents)
        info["more"] = bool(resp.get("IsTruncated"))
        if contents:
            info["example_key"] = contents[0]["Key"]
    return info, contents


def _read_one(p: _Prober, bucket: str, key: str) -> dict[str, Any]:
    """One byte of one object: a ranged GET, then a plain GET (read 1 byte, close) if the range
    request gets no definite answer."""
    resp, info = p.call("get_object", Bucket=bucket, Key=key, Range="bytes=0-0")
    if resp is None and info["outcome"] not in (*_DEFINITE, "NoSuchKey"):
        resp2, info2 = p.call("get_object", Bucket=bucket, Key=key)
        if resp2 is not None or info2["outcome"] in _DEFINITE:
            info2["range_outcome"] = info.get("code") or info["outcome"]
            resp, info = resp2, info2
    info["key"] = key
    if resp is not None:
        body = resp.get("Body")
        got = b""
        if body is not None:
            try:
                got = body.read(1)  # one byte proves readability; the rest is never fetched
            finally:
                body.close()
        info["bytes_read"] = len(got)
        total = str(resp.get("ContentRange") or "").rpartition("/")[2]
        if total.isdigit():
            info["object_size"] = int(total)
        elif resp.get("ContentLength") is not None and info.get("http_status") == 200:
            info["object_size"] = resp.get("ContentLength")
    return info


def _read(p: _Prober, bucket: str, key: str | None, contents: list[dict[str, Any]]) -> dict[str, Any]:
    """Read is tested on several non-empty keys, smallest first (an empty object answers 416 to a
    ranged GET and proves nothing); it is reported as soon as one succeeds."""
    candidates: list[str] = [key] if key else []
    listed = sorted(
        (o for o in contents if int(o.get("Size") or 0) > 0), key=lambda o: int(o.get("Size") or 0)
    )
    candidates += [o["Key"] for o in listed if o["Key"] != key]
    if not candidates:
        return {
            "outcome": "skipped",
            "why": "no non-empty key known: listing gave none and no --key was given",
        }
    tried: list[dict[str, Any]] = []
    for k in candidates[:READ_TRIES]:
        info = _read_one(p, bucket, k)
        tried.append({"key": k, "outcome": info["outcome"]})
        if info["outcome"] == "allowed":
            info["keys_tried"] = len(tried)
            return info
        if info["outcome"] in ("AccessDenied", "AllAccessDisabled") and len(tried) >= 2:
            break  # denied twice: the bucket denies reads, no need to try more keys
    last = dict(info)
    last["keys_tried"] = len(tried)
    last["tried"] = tried
    return last


def _probe_audience(p: _Prober, bucket: str, key: str | None, test_write: bool) -> dict[str, Any]:
    res: dict[str, Any] = {}
    res["list"], contents = _list(p, bucket)
    res["read"] = _read(p, bucket, key, contents)

    resp, info = p.call("get_bucket_acl", Bucket=bucket)
    if resp is not None:
        from phiscope.exposure.acl import group_of

        grants = resp.get("Grants", []) or []
        info["grants"] = len(grants)
        info["public_grants"] = sorted(
            f"{g}:{gr.get('Permission')}"
            for gr in grants
            if (g := group_of(gr.get("Grantee"))) in ("AllUsers", "AuthenticatedUsers")
        )
    res["read_acl"] = info

    if not test_write:
        res["write"] = {"outcome": "skipped", "why": "not requested (--test-write)"}
    else:
        marker = f"phiscope-probe-{uuid.uuid4().hex}.txt"
        body = b"PHIscope exposure probe marker; safe to delete.\n"
        resp, info = p.call("put_object", Bucket=bucket, Key=marker, Body=body)
        info["key"] = marker
        if resp is not None:
            _, dinfo = p.call("delete_object", Bucket=bucket, Key=marker)
            info["deleted"] = dinfo["outcome"] == "allowed"
            if not info["deleted"]:
                info["delete_outcome"] = dinfo["outcome"]
                info["warning"] = f"marker object {marker!r} could not be deleted: remove it as the owner"
        res["write"] = info
    return res


def probe_bucket(
    name_or_url: str,
    *,
    endpoint_url: str | None = None,
    aws_profile: str | None = None,
    key: str | None = None,
    test_write: bool = False,
    region: str | None = None,
) -> dict[str, Any]:
    """Probe one bucket as anonymous (and, with `aws_profile`, as an unrelated AWS account)."""
    t = parse_target(name_or_url, endpoint_url)
    bucket = t["bucket"]
    from phiscope.textsafe import strip_url_credentials

    # what is reported never carries `user:password@` from the endpoint URL
    out: dict[str, Any] = {
        "target": name_or_url,
        "bucket": bucket,
        "endpoint_url": strip_url_credentials(t["endpoint_url"]),
    }
    if not bucket:
        out.update(error="no bucket name in target", public=None, exists=None, audiences={})
        return out
    key = key or t["key"]
    region = region or t["region"]
    audiences: dict[str, Any] = {}
    regions: set[str] = set()
    runs: list[tuple[str, str | None, bool]] = [("anonymous", None, True)]
    if aws_profile:
        runs.append(("any_aws_account", aws_profile, False))
    for name, profile, anonymous in runs:
        try:
            p = _Prober(endpoint_url=t["endpoint_url"], region=region, profile=profile, anonymous=anonymous)
        except Exception as e:  # e.g. ProfileNotFound: report it for this audience
            code, _, _, msg = _err(e)
            audiences[name] = {"error": {"outcome": classify(code), "code": code, "message": msg[:200]}}
            continue
        audiences[name] = _probe_audience(p, bucket, key, test_write)
        if p.redirected_to:
            regions.add(p.redirected_to)
            audiences[name]["redirected_to_region"] = p.redirected_to
    outcomes = [r.get("outcome") for aud in audiences.values() for r in aud.values() if isinstance(r, dict)]
    out["audiences"] = audiences
    if regions:
        out["region"] = sorted(regions)[0]
    elif region:
        out["region"] = region
    out["public"] = "allowed" in outcomes
    out["exists"] = (
        False
        if "NoSuchBucket" in outcomes and "allowed" not in outcomes
        else True
        if any(o in ("allowed", "AccessDenied", "AllAccessDisabled", "NoSuchKey") for o in outcomes)
        else None
    )
    out["verdict"], out["cause"] = _verdict(out, outcomes)
    out["summary"] = _summary(out)
    return out


def _verdict(out: dict[str, Any], outcomes: list[Any]) -> tuple[str, str | None]:
    """exposed / not_exposed (a definite denial) / could_not_verify (no definite answer)."""
    if out["public"]:
        return "exposed", None
    if out["exists"] is False:
        return "could_not_verify", "no such bucket"
    if any(o in ("AccessDenied", "AllAccessDisabled") for o in outcomes):
        return "not_exposed", None
    if "unreachable" in outcomes:
        return "could_not_verify", "endpoint unreachable"
    if "WrongRegion" in outcomes:
        return "could_not_verify", "wrong region (pass --region)"
    if "NoCredentials" in outcomes or "InvalidCredentials" in outcomes:
        return "could_not_verify", "credentials missing or rejected for the any-AWS-account test"
    codes = sorted({str(o) for o in outcomes if o not in (None, "skipped")})
    return "could_not_verify", "no request got a definite answer (" + ", ".join(codes) + ")"


def _summary(out: dict[str, Any]) -> str:
    if out["exists"] is False:
        return "COULD NOT VERIFY: no such bucket"
    if out.get("verdict") == "could_not_verify":
        return f"COULD NOT VERIFY: {out.get('cause')}"
    parts = []
    for aud, tests in out["audiences"].items():
        allowed = [t for t, r in tests.items() if isinstance(r, dict) and r.get("outcome") == "allowed"]
        if allowed:
            parts.append(f"{aud}: {', '.join(allowed)}")
    if parts:
        return "EXPOSED - " + "; ".join(parts)
    codes = sorted(
        {
            str(r.get("outcome"))
            for tests in out["audiences"].values()
            for r in tests.values()
            if isinstance(r, dict)
        }
        - {"skipped"}
    )
    return "nothing allowed (" + ", ".join(codes) + ")"
