"""One door to the anonymous probes of every provider, chosen by the target's scheme.

`az://ACCOUNT/CONTAINER` → exposure/azure_live.py, `gs://BUCKET` → exposure/gcs_live.py, anything else
→ the S3 probe. All answer in the same shape and vocabulary, so `phiscope probe` and the scan read
them alike. Exit code: 3 exposed, 1 could not verify (never a silent all-clear), 0 nothing allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def evaluate_any(snapshot: Any) -> Mapping[str, Any]:
    """A snapshot of any provider -> its evaluator's verdict (S3 when no provider is named)."""
    provider = snapshot.get("provider") if isinstance(snapshot, dict) else None
    if provider == "azure":
        from phiscope.exposure.azure import evaluate_azure

        return evaluate_azure(snapshot)
    if provider == "gcs":
        from phiscope.exposure.gcs import evaluate_gcs

        return evaluate_gcs(snapshot)
    from phiscope.exposure.evaluate import evaluate_snapshot

    return evaluate_snapshot(snapshot)


def cloud_snapshot(target: str, *, account_settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Owner-side snapshot of az://ACCOUNT/CONTAINER or gs://BUCKET (ValueError on a bad target)."""
    from phiscope.storage.targets import open_store, parse_url_target

    t = parse_url_target(target)
    if not t.bucket:
        raise ValueError(f"no container/bucket in {target!r}")
    store = open_store(t, anonymous=False)
    if t.provider == "azure":
        from phiscope.exposure.azure_live import collect_snapshot

        return collect_snapshot(store, t.bucket_id, account_settings=account_settings)
    from phiscope.exposure.gcs_live import collect_snapshot as gcs_snapshot

    keys = [r.key for _, r in zip(range(100), store.list_objects(t.bucket), strict=False)]
    return gcs_snapshot(store, t.bucket, object_keys=keys)


def cloud_snapshot_command(target: str, account_settings: Any, output: Any) -> int:
    """`phiscope exposure snapshot az://…|gs://…`: 0 written, 1 could not read, 2 bad input."""
    import json
    import sys

    settings = None
    try:
        if account_settings is not None:
            settings = json.loads(account_settings.read_text(encoding="utf-8"))
            settings = settings.get("properties", settings) if isinstance(settings, dict) else settings
        snap = cloud_snapshot(target, account_settings=settings)
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:
        print(f"error: cannot read settings of {target}: {type(e).__name__}", file=sys.stderr)
        return 1
    text = json.dumps(snap, indent=2, default=str)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    for err in snap.get("errors") or []:
        print(f"warning: {err.get('operation')}: {err.get('code')}", file=sys.stderr)
    return 1 if snap.get("errors") else 0
