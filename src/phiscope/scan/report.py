"""Build the report v1 object (docs/report.md) from the findings database.

The one path from stored results to every output: the scan calls it at the end, `incident` and the
report renderers call it for any past scan id, so a resumed scan reports exactly like an unbroken one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from phiscope.db.store import Store
from phiscope.impact.people import METHOD, count_people
from phiscope.impact.regulations import ExposedSet, obligations
from phiscope.impact.severity import bucket_severity, exposure_level, max_severity, sev_rank
from phiscope.json_types import BucketV1, DetectionV1, ObjectV1, ReportV1
from phiscope.model import PERSON_CATEGORIES
from phiscope.report.provider import bucket_url
from phiscope.scan.verdict import bucket_verdict
from phiscope.storage.providers import bucket_uri, provider_of

SCHEMA = "phiscope/report/v1"


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat(timespec="seconds")


def _media_category(content_type: str | None) -> str | None:
    if not content_type:
        return None
    if content_type.startswith("audio/"):
        return "voice recordings"
    if content_type.startswith("image/") or content_type == "application/dicom":
        return "images"
    return None


def build_report(store: Store, scan_id: str) -> ReportV1:
    scan = store.get_scan(scan_id)
    if scan is None:
        raise KeyError(f"no scan {scan_id!r} in the database")
    bucket_rows = store.bucket_rows(scan_id)

    dets_by_obj: dict[int, list[DetectionV1]] = defaultdict(list)
    for d in store.detection_rows(scan_id):
        dets_by_obj[d["object_id"]].append(
            {
                "type": d["type"],
                "category": d["category"],
                "count": d["count"],
                "distinct": d["distinct_values"],
                "confidence": d["confidence"],
                "locations": d["locations"],
                "masked_examples": d["masked_examples"],
            }
        )

    objects: list[ObjectV1] = []
    status_counts: Counter[str] = Counter()
    per_bucket: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "scanned": 0,
            "bytes": 0,
            "types": Counter(),
            "categories": set(),
            "phi": False,
            "health": False,
            "orgs": set(),
        }
    )
    data_categories: set[str] = set()
    for o in store.object_rows(scan_id):
        dets = dets_by_obj.get(o["id"], [])
        status_counts[o["status"]] += 1
        agg = per_bucket[o["bucket"]]
        agg["scanned"] += 1
        agg["bytes"] += o["bytes_read"]
        for det in dets:
            agg["types"][det["type"]] += det["count"]
        agg["categories"].update(o["categories"])
        agg["phi"] = agg["phi"] or o["contains_phi"]
        agg["health"] = agg["health"] or o["health"]
        agg["orgs"].update(o["organisations"])
        data_categories.update(c for c in o["categories"] if c in PERSON_CATEGORIES | {"health"})
        if o["contains_phi"] and (media := _media_category(o["content_type"])):
            data_categories.add(media)
        objects.append(
            {
                "bucket": o["bucket"],
                "key": o["key"],
                "size": o["size"],
                "content_type": o["content_type"],
                "storage_class": o["storage_class"],
                "status": o["status"],
                "reason": o["reason"],
                "contains_phi": o["contains_phi"],
                "health": o["health"],
                "categories": o["categories"],
                "detections": dets,
            }
        )

    people = count_people(store.person_records(scan_id))  # streamed: records are never all in memory
    all_orgs: set[str] = set()
    buckets: list[BucketV1] = []
    exposed_sets: list[ExposedSet] = []
    all_sets: list[ExposedSet] = []
    for b in bucket_rows:
        agg = per_bucket[b["name"]]
        all_orgs |= agg["orgs"]
        n_people = people.by_bucket.get(b["name"], 0)
        sev = bucket_severity(b["exposure"], contains_phi=agg["phi"], health=agg["health"], people=n_people)
        # Azure/GCS are recorded with the bucket; S3-shaped and local stores are told by the endpoint
        cloud = b.get("provider") in ("azure", "gcs")
        provider = str(b["provider"]) if cloud else provider_of(b["endpoint"])
        buckets.append(
            {
                "name": b["name"],
                "provider": provider,
                "uri": bucket_url({"provider": provider, "endpoint": b["endpoint"]}, b["name"])
                if cloud
                else bucket_uri(provider, b["endpoint"], b["name"]),
                "account_id": (b["exposure"] or {}).get("owner_account")
                or (scan["options"] or {}).get("account_id"),
                "endpoint": b["endpoint"],
                "region": b["region"],
                "exposure": b["exposure"],
                "exposure_errors": b["exposure_errors"],
                "exposure_level": exposure_level(b["exposure"]),
                "objects_total": b["objects_total"],
                "objects_selected": b["objects_selected"],
                "objects_scanned": agg["scanned"],
                "bytes_scanned": agg["bytes"],
                "sampled": b["sampled"],
                "people_affected": n_people,
                "organisations": len(agg["orgs"]),
                "severity": sev,
                "contains_phi": agg["phi"],
                "health": agg["health"],
                "categories": sorted(agg["categories"]),
                "detections_by_type": dict(sorted(agg["types"].items())),
            }
        )
        level = exposure_level(b["exposure"])
        es = ExposedSet(
            bucket=b["name"],
            region=b["region"],
            public=level == "public",
            people=n_people,
            types=frozenset(agg["types"]),
            health=agg["health"],
            contains_phi=agg["phi"],
        )
        all_sets.append(es)
        if level in ("public", "authenticated"):
            exposed_sets.append(es)

    for row in buckets:
        row["verdict"], row["verdict_cause"], row["verdict_hint"] = bucket_verdict(row, scan["mode"])
    # Exposed and most severe first: the order a responder works in.
    buckets.sort(key=lambda b: (-sev_rank(b["severity"]), b["name"]))
    started = scan["started_at"]
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    exposed_names = {s.bucket for s in exposed_sets}
    if not exposed_names:
        exposed_people = 0
    elif exposed_names >= set(people.by_bucket):
        exposed_people = people.total
    else:
        exposed_people = count_people(r for r in store.person_records(scan_id) if r[0] in exposed_names).total
    report: ReportV1 = {
        "schema": SCHEMA,
        "scan": {
            "id": scan["id"],
            "started_at": _iso(scan["started_at"]),
            "finished_at": _iso(scan["finished_at"]),
            "state": scan["state"],
            "phiscope_version": scan["phiscope_version"],
            "targets": scan["targets"],
            "endpoint": scan["endpoint"],
            "mode": scan["mode"],
            "options": scan["options"],
            "coverage": {
                "objects_listed": sum(b["objects_total"] for b in bucket_rows),
                "bytes_listed": sum(b["bytes_total"] for b in bucket_rows),
                "objects_selected": sum(b["objects_selected"] for b in bucket_rows),
                "objects_scanned": len(objects),
                "bytes_scanned": sum(a["bytes"] for a in per_bucket.values()),
                "sampled": any(b["sampled"] for b in bucket_rows),
                "archived_not_restored": sum(
                    1
                    for o in objects
                    if o["status"] == "skipped" and (o["reason"] or "").startswith("archived")
                ),
            },
            "status_counts": {s: status_counts.get(s, 0) for s in ("complete", "partial", "skipped")},
        },
        "buckets": buckets,
        "objects": objects,
        "impact": {
            "people_affected": people.total,
            "people_affected_range": list(people.range),
            "people_exposed": exposed_people,
            "method": METHOD,
            "people_affected_by_bucket": people.by_bucket,
            "organisations": len(all_orgs),
            "organisations_by_bucket": {b["name"]: b["organisations"] for b in buckets},
            "data_categories": sorted(data_categories),
            "severity": max_severity([b["severity"] for b in buckets]),
            "obligations": obligations(
                exposed_sets, people_total=exposed_people, discovered=started, all_buckets=all_sets
            ),
        },
    }
    from phiscope.scan.estimate import attach_estimates
    from phiscope.scan.org import attach_accounts

    attach_accounts(store, scan_id, report)
    attach_estimates(store, scan_id, report)
    return report


def load_report(db_url: str | None, scan_id: str) -> ReportV1:
    """The report v1 object of a scan, rebuilt from the database (same code as the scan uses)."""
    return build_report(Store.open(db_url), scan_id)
