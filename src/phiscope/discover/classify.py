"""--classify: a bounded look inside a readable bucket, reported as categories, counts and masked examples.

At most N listed objects, the first M KiB of each by ranged GET (and never more bytes than that,
even if the server ignores the Range header), through the scan's own extractors and detectors. The
fingerprint key is a fresh random one per run and nothing is kept but counts and masked examples:
a bucket someone else owns is evidence for its owner, not a data set for us.
"""

from __future__ import annotations

import asyncio
import io
import secrets
from dataclasses import dataclass
from typing import Any

from phiscope.discover.probe import BucketResult, Prober, mask_key, object_url, pick_objects


@dataclass(frozen=True)
class ClassifyLimits:
    objects: int = 5
    kib: int = 256


class Classifier:
    """Builds the detection engine once per run (compiled patterns, vocabularies)."""

    def __init__(self, limits: ClassifyLimits) -> None:
        from phiscope.detect.engine import DetectionEngine

        self.limits = limits
        self.engine = DetectionEngine(secrets.token_bytes(32))

    def analyse(self, key: str, data: bytes, truncated: bool) -> dict[str, Any]:
        """Extract + detect one object's first bytes; only summaries leave."""
        from phiscope.extract.base import ExtractContext, Limits, SkipObject
        from phiscope.extract.dispatch import extract_object

        ctx = ExtractContext(name=key, limits=Limits(ocr=False, audio=False, max_seconds=20.0))
        out: dict[str, Any] = {"key": mask_key(key), "bytes_read": len(data)}
        try:
            findings = self.engine.scan(extract_object(io.BytesIO(data), ctx))
        except SkipObject as e:
            out.update(status="skipped", reason=e.reason + ("" if not truncated else " (first bytes only)"))
            return out
        except Exception as e:  # a reader's bug on a truncated file: its type only, never its message
            out.update(status="skipped", reason=f"reader error on the first bytes ({type(e).__name__})")
            return out
        out["status"] = "partial" if truncated or ctx.partial_reasons else "complete"
        out["content_type"] = ctx.content_type
        out["detections"] = {
            t: {"category": s.category, "count": s.count, "masked_examples": list(s.masked_examples[:3])}
            for t, s in sorted(findings.detections.items())
        }
        out["health"] = findings.health
        out["records_with_person_keys"] = len(findings.people)
        return out


async def classify_bucket(res: BucketResult, prober: Prober, classifier: Classifier) -> None:
    """Read and analyse up to N objects of a readable bucket; the summary goes in `res.classification`."""
    lim = classifier.limits
    files = pick_objects(res._keys, lim.objects)
    nbytes = lim.kib * 1024
    host, base = res._host, res.endpoint
    objects: list[dict[str, Any]] = []
    totals: dict[str, dict[str, Any]] = {}
    for key, size in files:
        rep = await prober.request(
            object_url(base, key),
            host,
            res.requests,
            headers={"Range": f"bytes=0-{nbytes - 1}"},
            max_body=nbytes,
            purpose="classify",
        )
        if rep.status not in (200, 206):
            objects.append({"key": mask_key(key), "status": "unreadable", "http_status": rep.status})
            continue
        total = _total_size(rep.headers.get("content-range")) or size
        truncated = len(rep.body) >= nbytes and (total == 0 or total > len(rep.body))
        summary = await asyncio.to_thread(classifier.analyse, key, rep.body, truncated)
        if total:
            summary["object_size"] = total
        objects.append(summary)
        for t, d in (summary.get("detections") or {}).items():
            agg = totals.setdefault(
                t, {"category": d["category"], "count": 0, "objects": 0, "masked_examples": []}
            )
            agg["count"] += d["count"]
            agg["objects"] += 1
            for ex in d["masked_examples"]:
                if len(agg["masked_examples"]) < 3 and ex not in agg["masked_examples"]:
                    agg["masked_examples"].append(ex)
    categories: dict[str, int] = {}
    for d in totals.values():
        categories[d["category"]] = categories.get(d["category"], 0) + d["count"]
    res.classification = {
        "limits": {"objects": lim.objects, "kib_per_object": lim.kib},
        "objects_read": sum(1 for o in objects if o.get("status") != "unreadable"),
        "bytes_read": sum(int(o.get("bytes_read", 0)) for o in objects),
        "categories": categories,
        "types": totals,
        "health_context": any(o.get("health") for o in objects),
        "objects": objects,
    }


def _total_size(content_range: str | None) -> int:
    if not content_range:
        return 0
    tail = content_range.rpartition("/")[2].strip()
    return int(tail) if tail.isdigit() else 0
