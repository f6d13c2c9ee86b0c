"""One door to the anonymous probes of every provider, chosen by the target's scheme.

`az://ACCOUNT/CONTAINER` → exposure/azure_live.py, `gs://BUCKET` → exposure/gcs_live.py, anything else
→ the S3 probe. All answer in the same shape and vocabulary, so `phiscope probe` and the scan read
them alike. Exit code: 3 exposed, 1 could not verify (never a silent all-clear), 0 nothing allowed.
"""

from __future__ import annotations

from typing import Any


def probe_target(
    target: str,
    *,
    endpoint_url: str | None = None,
    key: str | None = None,
    test_write: bool = False,
    **s3_kw: Any,
) -> dict[str, Any]:
    low = target.strip().lower()
    if low.startswith(("az://", "gs://")):
        from phiscope.storage.targets import parse_url_target

        try:
            t = parse_url_target(target)
        except ValueError as e:
            return {"target": target, "error": str(e), "public": None, "exists": None, "audiences": {}}
        if not t.bucket:
            return {
                "target": target,
                "error": "no container/bucket in target",
                "public": None,
                "exists": None,
                "audiences": {},
            }
        if t.provider == "azure":
            import os

            from phiscope.exposure.azure_live import probe_container
            from phiscope.storage.azure import default_account_url, parse_connection_string

            url = endpoint_url or default_account_url(
                t.account or "",
                parse_connection_string(os.environ.get("AZURE_STORAGE_CONNECTION_STRING", "")),
            )
            return probe_container(
                t.account or "", t.bucket, account_url=url, key=key or t.prefix or None, test_write=test_write
            )
        from phiscope.exposure.gcs_live import probe_bucket as gcs_probe
        from phiscope.storage.gcs import emulator_host

        return gcs_probe(
            t.bucket,
            endpoint_url=endpoint_url or emulator_host(),
            key=key or t.prefix or None,
            test_write=test_write,
        )
    from phiscope.exposure.probe import probe_bucket

    return probe_bucket(target, endpoint_url=endpoint_url, key=key, test_write=test_write, **s3_kw)


def probe_exit_code(results: list[dict[str, Any]]) -> int:
    if any(r.get("public") for r in results):
        return 3
    if any(r.get("public") is None or r.get("exists") is None for r in results):
        return 1
    return 0
