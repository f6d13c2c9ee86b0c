"""Google Cloud Storage behind the Store interface.

Credentials are the SDK's: application default credentials (`GOOGLE_APPLICATION_CREDENTIALS` for a
service-account file, gcloud's login, the metadata server), or anonymous. `STORAGE_EMULATOR_HOST`
points the SDK at an emulator exactly as it does for every other tool; a custom endpoint can also be
given. The SDK is imported only when a store is built.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from phiscope.model import ObjectRef
from phiscope.storage.base import Fetched, new_spool

RANGE_CHUNK = 16 * 1024**2
PUBLIC_ENDPOINT = "https://storage.googleapis.com"
# Bounded: the SDK's default retries a dead endpoint for 120 s per call. (connect, read) seconds.
TIMEOUT = (5.0, 60.0)


def retry(total_seconds: float = 30.0) -> Any:
    """The SDK's retry predicate (429, 5xx, broken transfers) with a bounded total time.

    Unlike the SDK's default, a refused or failed connection is not retried: a dead endpoint fails
    at once (a clear error, not two minutes of silence)."""
    import requests
    from google.api_core.retry import Retry
    from google.cloud.storage.retry import _should_retry

    def transient(exc: Exception) -> bool:
        if isinstance(exc, requests.exceptions.ConnectionError):
            return False
        return bool(_should_retry(exc))

    return Retry(predicate=transient, initial=1.0, maximum=16.0, multiplier=2.0, timeout=total_seconds)


def emulator_host() -> str | None:
    host = os.environ.get("STORAGE_EMULATOR_HOST", "").strip()
    if not host:
        return None
    return host if "://" in host else f"http://{host}"


def has_credentials() -> bool:
    """True when application default credentials resolve (or an emulator is configured)."""
    if emulator_host():
        return True
    try:
        import google.auth

        google.auth.default()
        return True
    except Exception:
        return False


def make_client(
    *, endpoint_url: str | None = None, anonymous: bool = False, project: str | None = None
) -> Any:
    from google.cloud import storage

    project = project or os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("GCLOUD_PROJECT")
    options = {"api_endpoint": endpoint_url.rstrip("/")} if endpoint_url else None
    if anonymous:
        from google.auth.credentials import AnonymousCredentials

        return storage.Client(
            project=project or "_", credentials=AnonymousCredentials(), client_options=options
        )
    if emulator_host() or endpoint_url:
        from google.auth.credentials import AnonymousCredentials

        # Emulators accept any caller; the SDK does the same when STORAGE_EMULATOR_HOST is set.
        if emulator_host() and not endpoint_url:
            return storage.Client(project=project or "phiscope")
        return storage.Client(
            project=project or "phiscope", credentials=AnonymousCredentials(), client_options=options
        )
    return storage.Client(project=project)


class GCSStore:
    """Buckets and objects of one GCS endpoint, through one google-cloud-storage client."""

    provider = "gcs"

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        anonymous: bool = False,
        project: str | None = None,
        client: Any = None,
    ) -> None:
        self.anonymous = anonymous
        self.client = client or make_client(endpoint_url=endpoint_url, anonymous=anonymous, project=project)
        self.endpoint: str | None = endpoint_url or emulator_host() or PUBLIC_ENDPOINT

    def list_buckets(self) -> list[str]:
        return sorted(b.name for b in self.client.list_buckets(timeout=TIMEOUT, retry=retry()))

    def list_objects(self, bucket: str, prefix: str = "") -> Iterator[ObjectRef]:
        blobs = self.client.list_blobs(
            bucket, prefix=prefix or None, page_size=1000, timeout=TIMEOUT, retry=retry()
        )
        for b in blobs:
            size = int(b.size or 0)
            if b.name.endswith("/") and not size:
                continue  # "folder" placeholders created by the console
            yield ObjectRef(
                bucket=bucket,
                key=b.name,
                size=size,
                etag=(b.etag or "").strip('"') or None,
                last_modified=b.updated,
                storage_class=b.storage_class,
            )

    def fetch(self, ref: ObjectRef, max_bytes: int) -> Fetched:
        """Up to `max_bytes`, in ranged GETs of RANGE_CHUNK so a large object streams to a spool."""
        blob = self.client.bucket(ref.bucket).blob(ref.key)
        spool = new_spool()
        want = min(ref.size, max_bytes)
        got = 0
        while got < want:
            end = min(want, got + RANGE_CHUNK) - 1  # inclusive, like HTTP Range
            data = blob.download_as_bytes(
                start=got, end=end, checksum=None, raw_download=True, timeout=TIMEOUT, retry=retry()
            )
            if not data:
                break
            spool.write(data)
            got += len(data)
        spool.seek(0)
        return Fetched(spool, got, truncated=ref.size > got)
