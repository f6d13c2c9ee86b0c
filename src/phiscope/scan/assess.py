"""Exposure of one bucket for the scan: owner-side evaluation, or the attacker's probe.

With credentials the scan reads the bucket's settings and runs the same evaluator as
`phiscope exposure evaluate`; without credentials it can only try what anyone can, so it runs the
anonymous probe and reports what succeeded. A setting it could not read is an error in the result,
never a silent "private".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

CAPS = ("list", "read", "write", "read_acl", "write_acl")  # what the probe can observe


@dataclass(slots=True)
class Assessment:
    exposure: dict[str, Any] | None
    errors: list[str] = field(default_factory=list)
    region: str | None = None


def mask_keys(doc: Any, masks: Mapping[str, str]) -> Any:
    """`doc` (JSON) with each raw key of `masks` replaced by its shown form, in values, mapping keys
    and text alike: a verdict's reasons quote the sampled keys and its evidence names them."""
    if not masks:
        return doc
    if isinstance(doc, str):
        for raw in sorted(masks, key=len, reverse=True):
            doc = doc.replace(raw, masks[raw])
        return doc
    if isinstance(doc, dict):
        return {mask_keys(k, masks): mask_keys(v, masks) for k, v in doc.items()}
    if isinstance(doc, list):
        return [mask_keys(v, masks) for v in doc]
    return doc


def named_keys(doc: Any) -> set[str]:
    """The object keys a verdict, a probe or an error names in a `key` / `example_key` field."""
    if isinstance(doc, list):
        return set().union(*(named_keys(v) for v in doc)) if doc else set()
    if not isinstance(doc, dict):
        return set()
    out = {v for k, v in doc.items() if k in ("key", "example_key") and isinstance(v, str) and v}
    return out.union(*(named_keys(v) for v in doc.values()))


def masked(a: Assessment, masks: Mapping[str, str]) -> Assessment:
    """An assessment as it is stored: the object keys it quotes that hold a value, masked."""
    if not masks:
        return a
    return Assessment(mask_keys(a.exposure, masks), mask_keys(a.errors, masks), a.region)


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
    from phiscope.contract import describe_exception
    from phiscope.exposure.evaluate import evaluate_snapshot
    from phiscope.exposure.snapshot import SnapshotError, collect_snapshot

    try:
        snap = collect_snapshot(client, bucket, s3control=s3control, account_id=acct, object_keys=keys)
    except SnapshotError as e:
        return Assessment(None, [f"could not read bucket settings: {e}"])
    except Exception as e:
        return Assessment(None, [f"could not read bucket settings ({describe_exception(e)})"])
    try:
        # stored and reported as JSON beside the Azure/GCS/probe verdicts: the untyped row from here on
        exposure = cast(dict[str, Any], evaluate_snapshot(snap))
    except Exception as e:
        return Assessment(None, [*snap.get("errors", []), f"exposure evaluation failed ({type(e).__name__})"])
    if acct:
        exposure["owner_account"] = acct  # for the reports' account id (OCSF cloud.account.uid)
    return Assessment(exposure, list(snap.get("errors", [])), bucket_region(client, bucket))


def assess_anonymous(bucket: str, endpoint_url: str | None, region: str | None) -> Assessment:
    """Attacker's view: what unsigned requests achieve, as an evaluate-shaped object."""
    from phiscope.exposure.probe import probe_bucket

    try:
        result = probe_bucket(bucket, endpoint_url=endpoint_url, region=region)
    except Exception as e:
        return Assessment(None, [f"probe failed ({type(e).__name__})"])
    return Assessment(exposure_from_probe(bucket, result), [], result.get("region"))


def merge_live_probe(a: Assessment, bucket: str, endpoint_url: str | None, region: str | None) -> Assessment:
    """Owner mode: also ask as anyone on the internet. A live success is a fact and overrides a
    settings-only "private" (S3 implementations that ignore their own ACL/policy APIs)."""
    from phiscope.exposure.probe import probe_bucket

    try:
        probe = probe_bucket(bucket, endpoint_url=endpoint_url, region=region)
    except Exception as e:
        a.errors.append(f"live probe failed ({type(e).__name__})")
        return a
    if a.exposure is None:
        if probe.get("public"):
            return Assessment(exposure_from_probe(bucket, probe), a.errors, a.region or probe.get("region"))
        return a
    exp = dict(a.exposure)
    exp["probe"] = probe
    observed = exposure_from_probe(bucket, probe)["access"]
    access = {aud: dict(caps) for aud, caps in (exp.get("access") or {}).items()}
    reasons = list(exp.get("reasons") or [])
    for aud, caps in observed.items():
        for cap, on in caps.items():
            if on and not access.setdefault(aud, {}).get(cap):
                access[aud][cap] = True
                if aud == "anonymous":
                    reasons.append(
                        f"LIVE: an anonymous {cap} request succeeded although the settings read as "
                        "private: the endpoint does not enforce them"
                    )
    exp["access"] = access
    if any(r.startswith("LIVE:") for r in reasons):
        reasons = [r for r in reasons if not r.startswith("no ACL grant or policy statement")]
    exp["reasons"] = reasons
    exp["public"] = any(any(c.values()) for c in access.values())
    return Assessment(exp, a.errors, a.region)


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
