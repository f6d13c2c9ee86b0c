"""Synthetic report v1 objects of any size, for renderer tests and the size benchmark.

Deterministic (seeded) and made only of masked examples, so the output of every renderer can be
checked and measured without running a scan. The shape follows docs/report.md exactly.
"""

from __future__ import annotations

import random
from typing import Any

from phiscope.exposure.conditions import AUDIENCES
from phiscope.exposure.evaluate import CAPABILITIES
from phiscope.impact.severity import SEV_RANK, bucket_severity, exposure_level, max_severity

CAPS = CAPABILITIES

# type -> (category, masked example templates, location style)
TYPES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "US_SSN": ("identity", ("***-**-{d4}",), "row"),
    "PERSON_NAME": ("identity", ("J*** D**", "M**** S****", "A*** L*****"), "row"),
    "DATE_OF_BIRTH": ("identity", ("****-**-{d2}",), "row"),
    "EMAIL_ADDRESS": ("contact", ("j***@example.org", "m***@example.com"), "line"),
    "PHONE_NUMBER": ("contact", ("(***) ***-{d4}",), "line"),
    "US_MBI": ("identity", ("*******{d4}",), "row"),
    "ICD10_CM": ("health", ("E11.*", "I10*", "F32.*"), "page"),
    "NDC": ("health", ("*****-***-{d2}",), "page"),
    "US_NPI": ("provider", ("******{d4}",), "json_path"),
    "CREDIT_CARD": ("financial", ("**** **** **** {d4}",), "row"),
    "FR_NIR": ("identity", ("* ** ** ** *** *** {d2}",), "row"),
}

_CONTENT = {
    "csv": "text/csv",
    "pdf": "application/pdf",
    "json": "application/json",
    "wav": "audio/x-wav",
    "png": "image/png",
    "hl7": "application/hl7-v2",
}


def _access(**true_caps: list[str]) -> dict[str, dict[str, bool]]:
    out: dict[str, dict[str, bool]] = {aud: dict.fromkeys(CAPS, False) for aud in AUDIENCES}
    for aud, caps in true_caps.items():
        for c in caps:
            out[aud][c] = True
    # any_aws_account includes what anonymous users can do
    for c in CAPS:
        out["any_aws_account"][c] = out["any_aws_account"][c] or out["anonymous"][c]
    return out


def exposure_profiles(bucket: str) -> list[dict[str, Any]]:
    """A handful of exposure-evaluate objects covering each audience/level, with evidence."""
    return [
        {
            "bucket": bucket,
            "public": True,
            "policy_is_public": True,
            "access": _access(anonymous=["list", "read"]),
            "uncertain": [],
            "latent": [],
            "reasons": [
                "policy statement 'PublicRead' (#0) allows s3:GetObject, s3:ListBucket to Principal '*' "
                "with no restricting condition"
            ],
            "evidence": [
                {
                    "kind": "policy",
                    "level": "bucket",
                    "sid": "PublicRead",
                    "index": 0,
                    "grantee": "*",
                    "permission": "s3:GetObject, s3:ListBucket",
                    "effect": "Allow",
                    "text": '{"Sid":"PublicRead","Effect":"Allow","Principal":"*",'
                    '"Action":["s3:GetObject","s3:ListBucket"]}',
                }
            ],
        },
        {
            "bucket": bucket,
            "public": True,
            "policy_is_public": None,
            "access": _access(anonymous=["list", "write_acl"]),
            "uncertain": [],
            "latent": [],
            "reasons": ["bucket ACL grants READ, WRITE_ACP to AllUsers"],
            "evidence": [
                {
                    "kind": "acl",
                    "level": "bucket",
                    "grantee": "http://acs.amazonaws.com/groups/global/AllUsers",
                    "permission": "READ",
                    "effect": "Allow",
                    "text": "Grant READ to AllUsers",
                },
                {
                    "kind": "acl",
                    "level": "bucket",
                    "grantee": "http://acs.amazonaws.com/groups/global/AllUsers",
                    "permission": "WRITE_ACP",
                    "effect": "Allow",
                    "text": "Grant WRITE_ACP to AllUsers",
                },
            ],
        },
        {
            "bucket": bucket,
            "public": True,
            "policy_is_public": None,
            "access": _access(any_aws_account=["list", "read"]),
            "uncertain": [],
            "latent": [],
            "reasons": ["bucket ACL grants READ to AuthenticatedUsers (any AWS account)"],
            "evidence": [
                {
                    "kind": "acl",
                    "level": "bucket",
                    "grantee": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
                    "permission": "READ",
                    "effect": "Allow",
                    "text": "Grant READ to AuthenticatedUsers",
                }
            ],
        },
        {
            "bucket": bucket,
            "public": False,
            "policy_is_public": True,
            "access": _access(),
            "uncertain": [],
            "latent": [
                "policy statement 'Legacy' (#0) is public but RestrictPublicBuckets (account) blocks it"
            ],
            "reasons": ["RestrictPublicBuckets is set at account level"],
        },
        {
            "bucket": bucket,
            "public": False,
            "policy_is_public": None,
            "access": _access(),
            "uncertain": [],
            "latent": [],
            "reasons": ["no public grant in the bucket ACL; no bucket policy"],
        },
    ]


def make_report(
    n_objects: int = 200,
    *,
    n_buckets: int = 5,
    seed: int = 7,
    scan_id: str = "20261128T131500Z-3f9a1c",
    phi_ratio: float = 0.4,
) -> dict[str, Any]:
    """A report v1 dict with `n_objects` objects spread over `n_buckets` buckets."""
    rnd = random.Random(seed)
    names = [f"medcall-{s}" for s in ("exports", "recordings", "partners", "archive", "website")]
    names += [f"medcall-extra-{i}" for i in range(max(0, n_buckets - len(names)))]
    names = names[:n_buckets]
    type_names = list(TYPES)
    objects: list[dict[str, Any]] = []
    per_bucket: dict[str, dict[str, Any]] = {
        n: {"scanned": 0, "bytes": 0, "types": {}, "cats": set(), "phi": False, "health": False}
        for n in names
    }
    status_counts = {"complete": 0, "partial": 0, "skipped": 0}
    for i in range(n_objects):
        b = names[i % len(names)]
        ext = rnd.choice(list(_CONTENT))
        folder = rnd.choice(("patients", "claims", "calls", "intake/2026", "exports/daily", "assets"))
        key = f"{folder}/{i:06d}.{ext}"
        size = rnd.randint(200, 5_000_000)
        r = rnd.random()
        status, reason = "complete", None
        if r < 0.02:
            status, reason = (
                "skipped",
                rnd.choice(
                    ("archived (GLACIER), not restored", "encrypted PDF", "larger than --max-object-size")
                ),
            )
        elif r < 0.05:
            status, reason = (
                "partial",
                rnd.choice(("OCR timed out after page 12", "audio truncated at 600 s")),
            )
        status_counts[status] += 1
        dets: list[dict[str, Any]] = []
        if status != "skipped" and rnd.random() < phi_ratio:
            for t in rnd.sample(type_names, rnd.randint(1, 4)):
                cat, masks, style = TYPES[t]
                count = rnd.randint(1, 300)
                locs: list[dict[str, Any]] = []
                for _ in range(min(count, 15)):
                    if ext == "wav":
                        s = round(rnd.uniform(0, 300), 1)
                        locs.append({"start_s": s, "end_s": round(s + rnd.uniform(1, 5), 1)})
                    elif style == "row":
                        locs.append({"row": rnd.randint(1, 5000), "column": t.lower(), "column_index": 2})
                    elif style == "page":
                        locs.append({"page": rnd.randint(1, 30), "line": rnd.randint(1, 60)})
                    elif style == "json_path":
                        locs.append({"json_path": f"$.entry[{rnd.randint(0, 99)}].resource.identifier[0]"})
                    else:
                        locs.append({"line": rnd.randint(1, 2000)})
                ex = [
                    m.format(d4=f"{rnd.randint(0, 9999):04d}", d2=f"{rnd.randint(0, 99):02d}")
                    for m in masks[: rnd.randint(1, len(masks))]
                ]
                dets.append(
                    {
                        "type": t,
                        "category": cat,
                        "count": count,
                        "confidence": round(rnd.uniform(0.5, 0.99), 2),
                        "locations": locs,
                        "masked_examples": ex,
                    }
                )
        cats = sorted({d["category"] for d in dets})
        phi = any(c in ("identity", "contact", "financial") for c in cats)
        health = "health" in cats
        agg = per_bucket[b]
        agg["scanned"] += 1
        agg["bytes"] += size if status != "skipped" else 0
        for d in dets:
            agg["types"][d["type"]] = agg["types"].get(d["type"], 0) + d["count"]
        agg["cats"].update(cats)
        agg["phi"] = agg["phi"] or phi
        agg["health"] = agg["health"] or health
        objects.append(
            {
                "bucket": b,
                "key": key,
                "size": size,
                "content_type": _CONTENT[ext],
                "storage_class": "GLACIER" if reason and reason.startswith("archived") else "STANDARD",
                "status": status,
                "reason": reason,
                "contains_phi": phi,
                "health": health,
                "categories": cats,
                "detections": dets,
            }
        )
    buckets: list[dict[str, Any]] = []
    people_by_bucket: dict[str, int] = {}
    for j, n in enumerate(names):
        agg = per_bucket[n]
        exp = exposure_profiles(n)[j % 5]
        people = sum(d["count"] for o in objects if o["bucket"] == n for d in o["detections"]) // 7
        people_by_bucket[n] = people
        sev = bucket_severity(exp, contains_phi=agg["phi"], health=agg["health"], people=people)
        buckets.append(
            {
                "name": n,
                "endpoint": None,
                "region": "eu-west-3" if j % 2 else "us-east-1",
                "exposure": exp,
                "exposure_errors": ["GetBucketPolicy: AccessDenied"] if j == 3 else [],
                "exposure_level": exposure_level(exp),
                "objects_total": agg["scanned"],
                "objects_selected": agg["scanned"],
                "objects_scanned": agg["scanned"],
                "bytes_scanned": agg["bytes"],
                "sampled": False,
                "people_affected": people,
                "organisations": people // 40,
                "severity": sev,
                "contains_phi": agg["phi"],
                "health": agg["health"],
                "categories": sorted(agg["cats"]),
                "detections_by_type": dict(sorted(agg["types"].items())),
            }
        )
    buckets.sort(key=lambda b: (-SEV_RANK[b["severity"]], b["name"]))
    total_people = sum(people_by_bucket.values())
    exposed = [b for b in buckets if b["exposure_level"] in ("public", "authenticated")]
    exposed_people = sum(b["people_affected"] for b in exposed)
    obligations: list[dict[str, Any]] = []
    if any(b["contains_phi"] and b["health"] for b in exposed):
        obligations.append(
            {
                "id": "HIPAA-164.404",
                "regulation": "HIPAA",
                "title": "Notify each affected individual",
                "applies": True,
                "why": f"unsecured PHI of ~{exposed_people} people reachable from outside",
                "deadline_days": 60,
                "deadline": "2027-01-27T13:15",
                "notify": ["individuals"],
            }
        )
        if exposed_people >= 500:
            obligations.append(
                {
                    "id": "HIPAA-164.408-HHS",
                    "regulation": "HIPAA",
                    "title": "Notify the HHS Secretary (breach of 500 or more)",
                    "applies": True,
                    "why": f"{exposed_people} people affected (≥ 500)",
                    "deadline_days": 60,
                    "deadline": "2027-01-27T13:15",
                    "notify": ["HHS"],
                }
            )
    if any(b["contains_phi"] and (b["region"] or "").startswith("eu-") for b in exposed):
        obligations.append(
            {
                "id": "GDPR-ART33",
                "regulation": "GDPR",
                "title": "Notify the supervisory authority within 72 hours of awareness",
                "applies": True,
                "why": "personal data of EU data subjects exposed",
                "deadline_days": 3,
                "deadline": "2026-12-01T13:15",
                "notify": ["supervisory authority (e.g. CNIL)"],
            }
        )
    return {
        "schema": "phiscope/report/v1",
        "scan": {
            "id": scan_id,
            "started_at": "2026-11-28T13:15:00+00:00",
            "finished_at": "2026-11-28T13:16:10+00:00",
            "state": "finished",
            "phiscope_version": "0.1.0",
            "targets": [f"s3://{n}" for n in names],
            "endpoint": None,
            "mode": "owner",
            "options": {"sample": None, "full": True, "ocr": True, "audio": True, "max_objects": None},
            "coverage": {
                "objects_listed": n_objects,
                "bytes_listed": sum(o["size"] for o in objects),
                "objects_selected": n_objects,
                "objects_scanned": n_objects,
                "bytes_scanned": sum(a["bytes"] for a in per_bucket.values()),
                "sampled": False,
                "archived_not_restored": sum(
                    1 for o in objects if o["status"] == "skipped" and o["reason"].startswith("archived")
                ),
            },
            "status_counts": status_counts,
        },
        "buckets": buckets,
        "objects": objects,
        "impact": {
            "people_affected": total_people,
            "people_affected_range": [int(total_people * 0.97), total_people],
            "people_exposed": exposed_people,
            "method": "records sharing an identifier key are one person (union-find)",
            "people_affected_by_bucket": people_by_bucket,
            "organisations": sum(b["organisations"] for b in buckets),
            "organisations_by_bucket": {b["name"]: b["organisations"] for b in buckets},
            "data_categories": sorted({c for b in buckets for c in b["categories"]}),
            "severity": max_severity([b["severity"] for b in buckets]),
            "obligations": obligations,
        },
    }
