"""Azure Blob Storage behind the Store interface: one storage account, its containers as buckets.

A bucket is named `ACCOUNT/CONTAINER` everywhere above this module (reports, findings DB), so two
accounts' containers of the same name never collide. Credentials follow the SDK's habits:
`AZURE_STORAGE_CONNECTION_STRING` (Azurite and custom endpoints included, via its BlobEndpoint), an
account key (`AZURE_STORAGE_KEY`), a SAS (`AZURE_STORAGE_SAS_TOKEN`), then `DefaultAzureCredential`
(azure-identity, optional extra), else anonymous. The SDK is imported only when a store is built.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from phiscope.model import ObjectRef
from phiscope.storage.base import Fetched, new_spool

RANGE_CHUNK = 16 * 1024**2
PUBLIC_SUFFIX = "blob.core.windows.net"
# Throttling (503) and transient errors are retried with backoff from 1 s (the SDK starts at 15 s);
# a dead endpoint fails fast (one connect retry).
_CLIENT_KW: dict[str, Any] = {
    "retry": {
        "initial_backoff": 1,
        "increment_base": 2,
        "random_jitter_range": 1,
        "retry_total": 6,
        "retry_connect": 1,
    },
    "connection_timeout": 5,
    "read_timeout": 60,
}
PROBE_KW: dict[str, Any] = {
    "retry": {"initial_backoff": 1, "increment_base": 2, "retry_total": 1, "retry_connect": 0},
    "connection_timeout": 5,
    "read_timeout": 20,
}


def _client_kw(kw: dict[str, Any]) -> dict[str, Any]:
    from azure.storage.blob import ExponentialRetry

    out = {k: v for k, v in kw.items() if k != "retry"}
    out["retry_policy"] = ExponentialRetry(**kw["retry"])
    return out


def parse_connection_string(conn: str) -> dict[str, str]:
    """`k=v;k=v` -> dict (keys case-preserved); values may contain '='."""
    out: dict[str, str] = {}
    for part in conn.split(";"):
        k, sep, v = part.partition("=")
        if sep and k.strip():
            out[k.strip()] = v.strip()
    return out


def default_account_url(account: str, conn: dict[str, str] | None = None) -> str:
    """The account's blob endpoint: the connection string's BlobEndpoint when it names this account,
    else https://ACCOUNT.blob.core.windows.net."""
    if conn and conn.get("AccountName") == account:
        if conn.get("BlobEndpoint"):
            return conn["BlobEndpoint"].rstrip("/")
        proto = conn.get("DefaultEndpointsProtocol", "https")
        suffix = conn.get("EndpointSuffix", "core.windows.net")
        return f"{proto}://{account}.blob.{suffix}"
    return f"https://{account}.{PUBLIC_SUFFIX}"


def has_credentials(account: str) -> bool:
    conn = parse_connection_string(os.environ.get("AZURE_STORAGE_CONNECTION_STRING", ""))
    if conn.get("AccountName") == account and ("AccountKey" in conn or "SharedAccessSignature" in conn):
        return True
    if os.environ.get("AZURE_STORAGE_KEY") or os.environ.get("AZURE_STORAGE_SAS_TOKEN"):
        return True
    identity_env = ("AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT")
    # DefaultAzureCredential: a service principal/managed identity in the environment, or `az login`.
    return any(os.environ.get(v) for v in identity_env) or os.path.isdir(os.path.expanduser("~/.azure"))


def make_service_client(
    account: str,
    *,
    account_url: str | None = None,
    anonymous: bool = False,
    credential: Any = None,
    client_kw: dict[str, Any] | None = None,
) -> Any:
    """A BlobServiceClient for `account`, from the standard environment unless told otherwise."""
    from azure.storage.blob import BlobServiceClient

    raw = os.environ.get("AZURE_STORAGE_CONNECTION_STRING", "")
    conn = parse_connection_string(raw)
    url = (account_url or default_account_url(account, conn)).rstrip("/")
    kw = _client_kw(client_kw or _CLIENT_KW)
    if anonymous:
        return BlobServiceClient(account_url=url, credential=None, **kw)
    if credential is None:
        if conn.get("AccountName") == account and conn.get("AccountKey"):
            credential = {"account_name": account, "account_key": conn["AccountKey"]}
        elif conn.get("AccountName") == account and conn.get("SharedAccessSignature"):
            credential = conn["SharedAccessSignature"]
        elif os.environ.get("AZURE_STORAGE_KEY"):
            credential = {"account_name": account, "account_key": os.environ["AZURE_STORAGE_KEY"]}
        elif os.environ.get("AZURE_STORAGE_SAS_TOKEN"):
            credential = os.environ["AZURE_STORAGE_SAS_TOKEN"]
        else:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError:
                credential = None  # no identity library: anonymous requests
            else:
                credential = DefaultAzureCredential()
    return BlobServiceClient(account_url=url, credential=credential, **kw)


class AzureStore:
    """Containers and blobs of one storage account."""

    provider = "azure"

    def __init__(
        self,
        account: str,
        *,
        account_url: str | None = None,
        anonymous: bool = False,
        client: Any = None,
    ) -> None:
        self.account = account
        self.anonymous = anonymous
        self.client = client or make_service_client(account, account_url=account_url, anonymous=anonymous)
        self.endpoint: str | None = str(self.client.url).split("?", 1)[0].rstrip("/")

    def container_of(self, bucket_id: str) -> str:
        account, sep, container = bucket_id.partition("/")
        if not sep:
            return bucket_id
        if account != self.account:
            raise ValueError(f"{bucket_id!r} is not in storage account {self.account!r}")
        return container

    def container_client(self, bucket_id: str) -> Any:
        return self.client.get_container_client(self.container_of(bucket_id))

    def list_buckets(self) -> list[str]:
        return sorted(f"{self.account}/{c['name']}" for c in self.client.list_containers())

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectRef]:
        cc = self.container_client(bucket)
        for b in cc.list_blobs(name_starts_with=prefix or None, results_per_page=1000):
            if b.name.endswith("/") and not b.size:
                continue  # "folder" placeholders (hierarchical namespace)
            tier = getattr(b, "blob_tier", None)
            yield ObjectRef(
                bucket=bucket,
                key=b.name,
                size=int(b.size or 0),
                etag=(b.etag or "").strip('"') or None,
                last_modified=b.last_modified,
                storage_class=str(tier.value if hasattr(tier, "value") else tier) if tier else None,
            )

    def fetch(self, ref: ObjectRef, max_bytes: int) -> Fetched:
        """Up to `max_bytes`, in ranged downloads of RANGE_CHUNK so a large blob streams to a spool."""
        bc = self.container_client(ref.bucket).get_blob_client(ref.key)
        spool = new_spool()
        want = min(ref.size, max_bytes)  # listed sizes are exact: an empty blob needs no request
        got = 0
        while got < want:
            n = min(RANGE_CHUNK, want - got)
            stream = bc.download_blob(offset=got, length=n, max_concurrency=1)
            before = got
            for chunk in stream.chunks():
                spool.write(chunk)
                got += len(chunk)
            if got == before:
                break  # the blob is shorter than listed
        spool.seek(0)
        return Fetched(spool, got, truncated=ref.size > got)
