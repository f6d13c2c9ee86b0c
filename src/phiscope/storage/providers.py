"""Where a bucket lives, named once for every report: provider id, bucket/object URIs, resource ids.

The provider is derived from the endpoint the scan used: `file://` -> local (a folder or a single
file: file:// URIs, no ARN), no endpoint or *.amazonaws.com -> aws, any other URL -> s3-compatible
(MinIO, Ceph, ...). New providers (az://, gs://) plug in here.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

LOCAL = "local"
AWS = "aws"
S3_COMPATIBLE = "s3-compatible"

# OCSF cloud.provider values
OCSF_NAME = {AWS: "AWS", S3_COMPATIBLE: "S3-compatible", LOCAL: "Local"}


def provider_of(endpoint: str | None) -> str:
    if not endpoint:
        return AWS
    if endpoint.startswith("file://"):
        return LOCAL
    host = (urlsplit(endpoint).hostname or "").lower()
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return AWS
    return S3_COMPATIBLE


def bucket_uri(provider: str, endpoint: str | None, bucket: str) -> str:
    if provider == LOCAL and endpoint:
        return f"{endpoint.rstrip('/')}/{quote(bucket)}/"
    return f"s3://{bucket}/"


def object_uri(provider: str, endpoint: str | None, bucket: str, key: str) -> str:
    if provider == LOCAL and endpoint:
        return f"{endpoint.rstrip('/')}/{quote(bucket)}/{quote(key)}"
    return f"s3://{bucket}/{key}"


def resource_uid(provider: str, endpoint: str | None, bucket: str, key: str | None = None) -> str:
    """An ARN for S3 buckets and objects; the file:// URI for local ones (they have no ARN)."""
    if provider == LOCAL:
        return (
            object_uri(provider, endpoint, bucket, key)
            if key is not None
            else bucket_uri(provider, endpoint, bucket)
        )
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")


def resource_type(provider: str, *, obj: bool) -> str:
    if provider == LOCAL:
        return "File" if obj else "Folder"
    return "AWS::S3::Object" if obj else "AWS::S3::Bucket"
