"""Provider-correct names for buckets and objects in every report format.

A report v1 bucket row carries `provider` (aws | s3-compatible | local | azure | gcs; `s3` or absent
in older reports: derived from the endpoint) and its `endpoint`. S3 and local folders are named by
storage/providers.py; Azure and GCS here. From them: the URI a human pastes (s3://, gs://, the blob
URL for Azure, which has no standard scheme of its own), the resource uid a SIEM keys on (S3 ARN,
GCS full resource name, the Azure container/blob URL since the ARM id needs a subscription the data
plane does not show), the resource type, OCSF's cloud.provider and databucket type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from phiscope.storage import providers as s3ish

AZURE_PUBLIC = "blob.core.windows.net"
GCS_RESOURCE = "//storage.googleapis.com/projects/_/buckets/"
CLOUD_PROVIDER = {"s3": "AWS", "azure": "Azure", "gcs": "GCP"}
# OCSF 1.5.0 databucket.type_id
DATABUCKET_TYPE = {"s3": (1, "S3"), "azure": (2, "Azure Blob"), "gcs": (3, "GCP Bucket")}
BUCKET_TYPE = {
    "s3": "AWS::S3::Bucket",
    "azure": "Microsoft.Storage/storageAccounts/blobServices/containers",
    "gcs": "storage.googleapis.com/Bucket",
}
OBJECT_TYPE = {
    "s3": "AWS::S3::Object",
    "azure": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs",
    "gcs": "storage.googleapis.com/Object",
}


CLOUDS = ("azure", "gcs")


def provider_of(row: Mapping[str, Any] | None) -> str:
    """azure | gcs, or storage/providers.py's aws | s3-compatible | local for everything S3-shaped."""
    p = str((row or {}).get("provider") or "s3")
    if p in CLOUDS or p in (s3ish.AWS, s3ish.S3_COMPATIBLE, s3ish.LOCAL):
        return p
    return s3ish.provider_of((row or {}).get("endpoint"))


def _endpoint(row: Mapping[str, Any] | None) -> str | None:
    return (row or {}).get("endpoint")


def _azure_base(name: str, endpoint: str | None) -> str:
    """https://ACCOUNT.blob.core.windows.net/CONTAINER (or the emulator's endpoint)."""
    account, _, container = name.partition("/")
    base = (endpoint or f"https://{account}.{AZURE_PUBLIC}").rstrip("/")
    return f"{base}/{quote(container)}"


def object_uri(row: Mapping[str, Any] | None, bucket: str, key: str | None) -> str:
    p = provider_of(row)
    k = key or ""
    if p == "gcs":
        return f"gs://{bucket}/{k}"
    if p == "azure":
        return f"{_azure_base(bucket, (row or {}).get('endpoint'))}/{quote(k)}"
    return s3ish.object_uri(p, _endpoint(row), bucket, k)


def bucket_uid(row: Mapping[str, Any] | None, bucket: str) -> str:
    p = provider_of(row)
    if p == "gcs":
        return GCS_RESOURCE + bucket
    if p == "azure":
        return _azure_base(bucket, (row or {}).get("endpoint"))
    return s3ish.resource_uid(p, _endpoint(row), bucket)


def object_uid(row: Mapping[str, Any] | None, bucket: str, key: str) -> str:
    p = provider_of(row)
    if p == "gcs":
        return f"{GCS_RESOURCE}{bucket}/objects/{key}"
    if p == "azure":
        return object_uri(row, bucket, key)
    return s3ish.resource_uid(p, _endpoint(row), bucket, key)


def cloud_provider(row: Mapping[str, Any] | None, scan_endpoint: str | None) -> str:
    p = provider_of(row)
    if p == s3ish.AWS and scan_endpoint and not _endpoint(row):
        p = s3ish.provider_of(scan_endpoint)
    return CLOUD_PROVIDER.get(p) or s3ish.OCSF_NAME.get(p, p)


def bucket_type(row: Mapping[str, Any] | None) -> str:
    p = provider_of(row)
    return BUCKET_TYPE.get(p) or s3ish.resource_type(p, obj=False)


def object_type(row: Mapping[str, Any] | None) -> str:
    p = provider_of(row)
    return OBJECT_TYPE.get(p) or s3ish.resource_type(p, obj=True)


def databucket_type(row: Mapping[str, Any] | None) -> tuple[int, str]:
    p = provider_of(row)
    if p in (s3ish.AWS, s3ish.S3_COMPATIBLE):
        p = "s3"
    return DATABUCKET_TYPE.get(p, (99, "Other"))


def bucket_url(row: dict[str, Any] | None, name: str | None = None) -> str:
    """The bucket as a CLI target: s3://b, az://ACCOUNT/CONTAINER, gs://b."""
    n = name if name is not None else str((row or {}).get("name") or "")
    p = provider_of(row)
    if p == s3ish.LOCAL:
        return s3ish.bucket_uri(p, _endpoint(row), n)
    return {"azure": "az://", "gcs": "gs://"}.get(p, "s3://") + n
