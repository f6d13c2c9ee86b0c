"""Compliance frameworks as data: requirement ↔ finding kinds (frameworks/*.yaml), and the mapping.

Like Prowler's compliance files, the regulation text lives in data a compliance officer can review;
this module only matches finding kinds (globs) against the tags each finding carries.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from phiscope.json_types import ReportV1
from phiscope.report.findings import Finding, iter_findings, max_sev


@dataclass(frozen=True, slots=True)
class Requirement:
    framework: str
    id: str
    title: str
    description: str
    findings: tuple[str, ...]

    def matches(self, tags: Iterable[str]) -> bool:
        return any(fnmatch.fnmatchcase(t, p) for t in tags for p in self.findings)


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    name: str
    url: str | None
    requirements: tuple[Requirement, ...]


def parse_framework(data: dict[str, Any], source: str = "framework") -> Framework:
    try:
        fid = str(data["framework"])
        reqs = tuple(
            Requirement(
                framework=fid,
                id=str(r["id"]),
                title=str(r["title"]),
                description=str(r.get("description") or ""),
                findings=tuple(str(p) for p in r["findings"]),
            )
            for r in data["requirements"]
        )
    except (KeyError, TypeError) as e:
        raise ValueError(f"{source}: malformed framework file ({e})") from None
    return Framework(id=fid, name=str(data.get("name") or fid), url=data.get("url"), requirements=reqs)


@functools.cache
def load_frameworks() -> tuple[Framework, ...]:
    import yaml

    out: list[Framework] = []
    folder = resources.files("phiscope.report").joinpath("frameworks")
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            out.append(parse_framework(yaml.safe_load(entry.read_text(encoding="utf-8")), entry.name))
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def _map_tags(tags: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out: list[tuple[str, tuple[str, ...]]] = []
    for fw in load_frameworks():
        ids = tuple(r.id for r in fw.requirements if r.matches(tags))
        if ids:
            out.append((fw.id, ids))
    return tuple(out)


def requirements_for(tags: Iterable[str]) -> dict[str, list[str]]:
    """Framework id → requirement ids that a finding with these tags bears on."""
    return {fw: list(ids) for fw, ids in _map_tags(tuple(sorted(set(tags))))}


def report_tags(report: ReportV1) -> list[str]:
    """Scan-level kinds: obligations triggered and incomplete coverage."""
    tags = [
        f"obligation:{o['id']}" for o in (report.get("impact") or {}).get("obligations") or [] if o.get("id")
    ]
    counts = (report.get("scan") or {}).get("status_counts") or {}
    if counts.get("skipped") or counts.get("partial"):
        tags.append("coverage:incomplete")
    return tags


def compliance_status(report: ReportV1, findings: Iterable[Finding] | None = None) -> list[dict[str, Any]]:
    """Per framework and requirement: triggered or not, by how many unmuted findings, worst severity."""
    fws = load_frameworks()
    stats: dict[tuple[str, str], dict[str, Any]] = {}
    for fw in fws:
        for r in fw.requirements:
            stats[(fw.id, r.id)] = {"findings": 0, "muted": 0, "severity": None, "buckets": set()}
    for f in findings if findings is not None else iter_findings(report):
        for fw_id, ids in _map_tags(tuple(sorted(set(f.tags)))):
            for rid in ids:
                st = stats[(fw_id, rid)]
                if f.muted is not None:
                    st["muted"] += 1
                    continue
                st["findings"] += 1
                st["severity"] = max_sev(st["severity"] or "info", f.severity)
                st["buckets"].add(f.bucket)
    scan_tags = report_tags(report)
    out: list[dict[str, Any]] = []
    for fw in fws:
        reqs = []
        for r in fw.requirements:
            st = stats[(fw.id, r.id)]
            by_scan = r.matches(scan_tags)
            reqs.append(
                {
                    "id": r.id,
                    "title": r.title,
                    "description": r.description,
                    "finding_kinds": list(r.findings),
                    "status": "triggered" if st["findings"] or by_scan else "clear",
                    "findings": st["findings"],
                    "muted": st["muted"],
                    "severity": st["severity"],
                    "buckets": sorted(st["buckets"]),
                    "scan_level": by_scan,
                }
            )
        out.append(
            {
                "framework": fw.id,
                "name": fw.name,
                "url": fw.url,
                "triggered": sum(1 for r in reqs if r["status"] == "triggered"),
                "requirements": reqs,
            }
        )
    return out
