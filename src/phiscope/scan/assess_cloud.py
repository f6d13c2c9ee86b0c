"""Exposure of one Azure container or GCS bucket for the scan.

With credentials: the provider's snapshot, judged by its evaluator (exposure/azure.py, gcs.py). Without:
the anonymous probe, mapped onto the same verdict shape (observed, not inferred). A live success in
the probe always wins over a settings-only "private"; a failure to read settings is an error on the
bucket, never a silent "private".
"""

from __future__ import annotations

from typing import Any

from phiscope.exposure.evaluate import CAPABILITIES
from phiscope.scan.assess import Assessment

PUBLIC_GCS = "https://storage.googleapis.com"
CAPS = CAPABILITIES


def assess_cloud(store: Any, bucket_id: str, keys: list[str]) -> Assessment:
    provider = getattr(store, "provider", "s3")
    try:
        # a key the owner listed lets the probe test reading even where anonymous listing is denied
        probe = _probe(store, bucket_id, None if store.anonymous or not keys else keys[0])
    except Exception as e:
        probe = {"error": type(e).__name__, "audiences": {}}
    if store.anonymous:
        exp = exposure_from_cloud_probe(provider, bucket_id, probe)
        errors = [] if probe.get("exists") is not None else [_unverified(probe)]
        return Assessment(exp, errors)
    try:
        if provider == "azure":
            from phiscope.exposure.azure import evaluate_azure
            from phiscope.exposure.azure_live import collect_snapshot

            snap = collect_snapshot(store, bucket_id)
            exp = evaluate_azure(snap)
        else:
            from phiscope.exposure.gcs import evaluate_gcs
            from phiscope.exposure.gcs_live import collect_snapshot as gcs_snapshot

            snap = gcs_snapshot(store, bucket_id, object_keys=keys)
            exp = evaluate_gcs(snap)
    except Exception as e:
        return Assessment(
            exposure_from_cloud_probe(provider, bucket_id, probe),
            [f"could not read {provider} settings ({type(e).__name__})"],
        )
    errors = [f"{e['operation']}: {e.get('code') or 'error'}" for e in snap.get("errors") or []]
    if provider == "gcs" and store.endpoint != PUBLIC_GCS:
        # GCS emulators store IAM and ACLs without enforcing them: their answers prove nothing.
        exp["uncertain"].append("live probe not merged: a custom GCS endpoint (emulator) enforces no access")
        exp["probe"] = probe
    else:
        merge_observed(exp, probe)
    region = str(snap["location"]).lower() if snap.get("location") else None  # GCS: US, EUROPE-WEST9…
    return Assessment(exp, errors, region)


def _probe(store: Any, bucket_id: str, key: str | None = None) -> dict[str, Any]:
    if store.provider == "azure":
        from phiscope.exposure.azure_live import probe_container

        account, _, container = bucket_id.partition("/")
        return probe_container(account, container, account_url=store.endpoint, key=key)
    from phiscope.exposure.gcs_live import probe_bucket

    endpoint = None if store.endpoint == PUBLIC_GCS else store.endpoint
    return probe_bucket(bucket_id, endpoint_url=endpoint, key=key)


def _unverified(probe: dict[str, Any]) -> str:
    tests = (probe.get("audiences") or {}).get("anonymous", {}).values()
    codes = sorted(
        {
            str(r.get("code") or r.get("outcome"))
            for r in tests
            if isinstance(r, dict) and r.get("outcome") not in ("skipped", "allowed")
        }
    )
    return "could not verify anonymously: " + (", ".join(codes) or str(probe.get("error") or "no answer"))


def exposure_from_cloud_probe(provider: str, bucket_id: str, probe: dict[str, Any]) -> dict[str, Any]:
    """Probe outcomes -> the verdict shape (anonymous; anything anonymous can do, any account can)."""
    tests = (probe.get("audiences") or {}).get("anonymous") or {}
    caps = dict.fromkeys(CAPS, False)
    reasons = []
    for cap in CAPS:
        t = tests.get(cap)
        if isinstance(t, dict) and t.get("outcome") == "allowed":
            caps[cap] = True
            reasons.append(f"anonymous {cap} succeeded (live probe)")
    uncertain = ["settings not readable without credentials: verdict from the live probe only"]
    if (tests.get("write") or {}).get("outcome") == "skipped":
        uncertain.append("write not tested (probe --test-write was not requested)")
    return {
        "provider": provider,
        "bucket": bucket_id,
        "public": any(caps.values()),
        "policy_is_public": None,
        "access": {"anonymous": caps, "any_account": dict(caps)},
        "uncertain": uncertain,
        "latent": [],
        "reasons": reasons,
        "probe": probe,
    }


def merge_observed(exp: dict[str, Any], probe: dict[str, Any]) -> None:
    """What the live probe did succeed at is exposure, whatever the settings said."""
    tests = (probe.get("audiences") or {}).get("anonymous") or {}
    for cap in CAPS:
        t = tests.get(cap)
        if isinstance(t, dict) and t.get("outcome") == "allowed" and cap in exp["access"]["anonymous"]:
            if not exp["access"]["anonymous"][cap]:
                exp["reasons"].append(
                    f"anonymous {cap} succeeded in the live probe (settings did not show it)"
                )
            exp["access"]["anonymous"][cap] = True
            exp["access"]["any_account"][cap] = True
    exp["public"] = any(any(c.values()) for c in exp["access"].values())
    exp["probe"] = probe
