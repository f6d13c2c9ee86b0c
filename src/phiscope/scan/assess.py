"""Exposure of one bucket for the scan: owner-side evaluation, or the attacker's probe.

With credentials the scan reads the bucket's settings and runs the same evaluator as
`phiscope exposure evaluate`; without credentials it can only try what anyone can, so it runs the
anonymous probe and reports what succeeded. A setting it could not read is an error in the result,
never a silent "private".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CAPS = ("list", "read", "write", "read_acl", "write_acl")


@dataclass(slots=True)
class Assessment:
    exposure: dict[str, Any] | None
    errors: list[str] = field(default_factory=list)
    region: str | None = None


def account_id(endpoint_url: str | None, profile: str | None, region: str | None) -> str | None:
    """The caller's account id via STS, when the endpoint offers it (AWS, moto); else None."""
    from phiscope.storage.s3 import make_client

    try:
        sts = make_client(
            "sts",
            endpoint_url=endpoint_url,
            profile=profile,
            region=region,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        return str(sts.get_caller_identity()["Account"])
    except Exception:
        return None


def bucket_region(client: Any, bucket: str) -> str | None:
    try:
        loc = client.get_bucket_location(Bucket=bucket).get("LocationConstraint")
        return loc or "us-east-1"
    except Exception:
        return None


def assess_owner(client: Any, s3control: Any, bucket: str, acct: str | None, keys: list[str]) -> Assessment:
    from phiscope.exposure.evaluate import evaluate_snapshot
    from phiscope.exposure.snapshot import collect_snapshot

    try:
        snap = collect_snapshot(client, bucket, s3control=s3control, account_id=acct, object_keys=keys)
    except Exception as e:
        return Assessment(None, [f"could not read bucket settings ({type(e).__name__})"])
    try:
        exposure = evaluate_snapshot(snap)
    except Exception as e:
        return Assessment(None, [*snap.get("errors", []), f"exposure evaluation failed ({type(e).__name__})"])
    return Assessment(exposure, list(snap.get("errors", [])), bucket_region(client, bucket))


def assess_anonymous(bucket: str, endpoint_url: str | None, region: str | None) -> Assessment:
    """Attacker's view: what unsigned requests achieve, as an evaluate-shaped object."""
    from phiscope.exposure.probe import probe_bucket

    try:
        result = probe_bucket(bucket, endpoint_url=endpoint_url, region=region)
    except Exception as e:
        return Assessment(None, [f"probe failed ({type(e).__name__})"])
    return Assessment(exposure_from_probe(bucket, result), [], result.get("region"))


def exposure_from_probe(bucket: str, probe: dict[str, Any]) -> dict[str, Any]:
    """Map probe outcomes onto the evaluate object's shape (observed, not inferred)."""
    audiences = probe.get("audiences") or {}
    access: dict[str, dict[str, bool]] = {}
    reasons: list[str] = []
    for audience in ("anonymous", "any_aws_account"):
        tests = audiences.get(audience) or {}
        caps = {c: False for c in CAPS}
        for cap in CAPS:
            t = tests.get(cap)
            if isinstance(t, dict) and t.get("outcome") == "allowed":
                caps[cap] = True
                reasons.append(f"{audience} {cap} succeeded (live probe)")
        access[audience] = caps
    # Anything anonymous users can do, any AWS account can do too.
    access["any_aws_account"] = {c: access["any_aws_account"][c] or access["anonymous"][c] for c in CAPS}
    untested = ["write"] if not any("write" in (audiences.get(a) or {}) for a in audiences) else []
    uncertain = ["settings not readable without credentials: verdict from the live probe only"]
    if untested:
        uncertain.append("write not tested (probe --test-write was not requested)")
    return {
        "bucket": bucket,
        "public": any(access["anonymous"].values()) or any(access["any_aws_account"].values()),
        "policy_is_public": None,
        "access": access,
        "uncertain": uncertain,
        "latent": [],
        "reasons": reasons,
        "probe": probe,
    }
