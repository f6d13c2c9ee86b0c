"""Scan targets as URLs: which provider, which bucket (or container), which prefix.

`s3://BUCKET[/prefix]`, `az://ACCOUNT/CONTAINER[/prefix]` and `gs://BUCKET[/prefix]`; an empty bucket
(`s3://`, `az://ACCOUNT`, `gs://`) means every bucket the credentials can list. Anything else is not a
URL target (a folder, handled by the caller). Pure: no SDK is imported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SCHEMES = {"s3": "s3", "az": "azure", "gs": "gcs"}
# Azure: 3-24 lowercase letters/digits; container 3-63 lowercase letters, digits, dashes ($root, $web).
_AZ_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_AZ_CONTAINER = re.compile(r"^(?:\$root|\$web|\$logs|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$")
# GCS: 3-63 chars per dot-separated part, lowercase letters, digits, dashes, underscores, dots.
_GCS_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")


@dataclass(frozen=True, slots=True)
class UrlTarget:
    provider: str  # s3 | azure | gcs
    bucket: str  # bucket or container; "" = all
    prefix: str = ""
    account: str | None = None  # Azure storage account

    @property
    def bucket_id(self) -> str:
        """The name a bucket goes by in reports and the findings DB (Azure: ACCOUNT/CONTAINER)."""
        return f"{self.account}/{self.bucket}" if self.provider == "azure" else self.bucket


def is_url_target(target: str) -> bool:
    scheme, sep, _ = target.partition("://")
    return bool(sep) and scheme.lower() in SCHEMES


def parse_url_target(target: str) -> UrlTarget:
    """Parse one URL target; ValueError with the expected form when it is malformed."""
    scheme, sep, rest = target.strip().partition("://")
    provider = SCHEMES.get(scheme.lower()) if sep else None
    if provider is None:
        raise ValueError(f"not a storage URL: {target!r} (expected s3://, az:// or gs://)")
    if provider == "azure":
        account, _, rest2 = rest.partition("/")
        container, _, prefix = rest2.partition("/")
        if not _AZ_ACCOUNT.match(account):
            raise ValueError(
                f"bad Azure target {target!r}: expected az://ACCOUNT/CONTAINER[/prefix] "
                "(account: 3-24 lowercase letters and digits)"
            )
        if container and not _AZ_CONTAINER.match(container):
            raise ValueError(f"bad Azure container name {container!r} in {target!r}")
        return UrlTarget("azure", container, prefix, account)
    bucket, _, prefix = rest.partition("/")
    if provider == "gcs" and bucket and not _GCS_BUCKET.match(bucket):
        raise ValueError(f"bad GCS bucket name {bucket!r} in {target!r}: expected gs://BUCKET[/prefix]")
    return UrlTarget(provider, bucket, prefix)


def split_bucket_id(provider: str, bucket_id: str) -> tuple[str | None, str]:
    """Inverse of UrlTarget.bucket_id: (account, container) for Azure, (None, bucket) otherwise."""
    if provider == "azure":
        account, _, container = bucket_id.partition("/")
        return account, container
    return None, bucket_id


def open_store(target: UrlTarget, anonymous: bool | None = None) -> Any:
    """The Azure or GCS store for a URL target; anonymous when asked, or when no credentials are found.

    The SDKs' own environment decides endpoints and credentials (AZURE_STORAGE_CONNECTION_STRING,
    STORAGE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS, ...), as every other tool does.
    """
    if target.provider == "azure":
        from phiscope.storage import azure

        assert target.account is not None
        anon = anonymous if anonymous is not None else not azure.has_credentials(target.account)
        return azure.AzureStore(target.account, anonymous=anon)
    if target.provider == "gcs":
        from phiscope.storage import gcs

        anon = anonymous if anonymous is not None else not gcs.has_credentials()
        return gcs.GCSStore(anonymous=anon)
    raise ValueError(f"no cloud store for {target.provider!r} targets here")
