"""Disclosure pack: per exposed bucket, what an owner needs to act — what is reachable, the evidence
(requests made, HTTP codes, masked examples), when, and whom to tell (security.txt, RFC 9116).

JSON for machines and Markdown for people; both hold masked examples only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from phiscope import __version__
from phiscope.discover.probe import READABLE, BucketResult

SECURITY_TXT_MAX = 32 * 1024
_FIELD = re.compile(r"^\s*([A-Za-z-]+)\s*:\s*(.+?)\s*$")
_WANTED = {
    "contact",
    "policy",
    "expires",
    "encryption",
    "preferred-languages",
    "acknowledgments",
    "canonical",
}


def parse_security_txt(text: str) -> dict[str, list[str]]:
    """RFC 9116 fields (Contact, Policy, Expires, ...); comments and the PGP signature are ignored."""
    out: dict[str, list[str]] = {}
    in_sig = False
    for line in text.splitlines():
        if line.startswith("-----BEGIN PGP SIGNATURE"):
            in_sig = True
        if in_sig or line.lstrip().startswith("#") or line.startswith("-----") or line.startswith("Hash:"):
            continue
        m = _FIELD.match(line)
        if m and m.group(1).lower() in _WANTED:
            out.setdefault(m.group(1).lower(), []).append(m.group(2)[:300])
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:150] or "bucket"


def pack(r: BucketResult, run: dict[str, Any], contact: dict[str, Any] | None) -> dict[str, Any]:
    what = ["anyone on the internet can list the bucket's object names"] if r.anon_list else []
    if r.state == READABLE:
        what.append("anyone on the internet can download its objects (proved with a 1-byte ranged read)")
    return {
        "schema": "phiscope.disclosure/1",
        "tool": f"PHIscope {__version__} (phiscope discover)",
        "bucket": r.bucket,
        "provider": r.provider,
        "endpoint": r.endpoint,
        "region": r.region,
        "state": r.state,
        "anonymous": {"list": r.anon_list, "read": r.anon_read},
        "checked_at": r.checked_at,
        "reachable": what,
        "first_page": {"keys_seen": r.keys_seen, "more": r.more_keys, "example_keys_masked": r.example_keys},
        "classification": r.classification,
        "evidence": {"requests": r.requests, "note": "unsigned GET requests only; nothing was written"},
        "owner_contact": contact,
        "run": {k: run[k] for k in ("id", "started_at", "user_agent") if k in run},
        "how_to_close": _how_to_close(r.provider),
    }


def _how_to_close(provider: str) -> str:
    if provider == "aws":
        return (
            "Turn on S3 Block Public Access for the bucket (and the account), remove public grants from the "
            "bucket ACL and Principal '*' statements from the bucket policy; `phiscope fix plan` proposes "
            "the exact changes for an owner with credentials."
        )
    if provider == "gcs":
        return "Remove allUsers/allAuthenticatedUsers bindings and enforce public access prevention."
    if provider == "azure":
        return "Set the container's public access level to private, or disallow blob public access."
    return "Remove anonymous (public) read and list permissions from the bucket's ACL or policy."


def markdown(p: dict[str, Any]) -> str:
    lines = [
        f"# Exposed bucket: `{p['bucket']}` ({p['provider']})",
        "",
        f"- State: **{p['state']}**; anonymous list: {p['anonymous']['list']}, "
        f"anonymous read: {p['anonymous']['read']}",
        f"- Endpoint: `{p['endpoint']}`" + (f" (region {p['region']})" if p.get("region") else ""),
        f"- Checked at: {p['checked_at']} by {p['tool']}",
        "",
        "## What is reachable",
        *[f"- {w}" for w in p["reachable"]],
        f"- First listing page: {p['first_page']['keys_seen']} keys"
        + (" (more exist)" if p["first_page"]["more"] else ""),
        *[f"  - `{k}`" for k in p["first_page"]["example_keys_masked"]],
    ]
    c = p.get("classification")
    if c:
        lines += ["", "## What the first bytes of a few objects hold (masked)", ""]
        lines.append(
            f"{c['objects_read']} objects read, {c['bytes_read']} bytes in all "
            f"(at most {c['limits']['objects']} objects x {c['limits']['kib_per_object']} KiB)."
        )
        for t, d in c["types"].items():
            ex = ", ".join(f"`{e}`" for e in d["masked_examples"])
            lines.append(f"- {t} ({d['category']}): {d['count']} in {d['objects']} object(s); e.g. {ex}")
    lines += ["", "## Evidence (requests made)", "", "| time | request | HTTP | code |", "|---|---|---|---|"]
    for rq in p["evidence"]["requests"]:
        req = f"GET {rq['url']}" + (f" Range: {rq['range']}" if rq.get("range") else "")
        lines.append(
            f"| {rq.get('at', '')} | `{req}` | {rq.get('status', rq.get('error', ''))} "
            f"| {rq.get('code', '')} |"
        )
    lines += ["", p["evidence"]["note"] + ".", "", "## Whom to tell", ""]
    contact = p.get("owner_contact")
    if contact and contact.get("fields", {}).get("contact"):
        lines += [f"- Contact: {v}" for v in contact["fields"]["contact"]]
        lines += [f"- Policy: {v}" for v in contact["fields"].get("policy", [])]
        lines.append(f"- Source: {contact['url']}")
    elif contact:
        lines.append(f"- No contact published ({contact.get('status')}) at {contact.get('url')}")
    else:
        lines.append("- Not looked up (run with --domain to read the domain's /.well-known/security.txt)")
    lines += ["", "## How to close it", "", p["how_to_close"], ""]
    return "\n".join(lines)


def write_packs(out_dir: Path, packs: list[dict[str, Any]]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for p in packs:
        stem = out_dir / _slug(f"{p['provider']}-{p['bucket']}")
        stem.with_suffix(".json").write_text(json.dumps(p, indent=2, default=str), "utf-8")
        stem.with_suffix(".md").write_text(markdown(p), "utf-8")
        written += [stem.with_suffix(".json"), stem.with_suffix(".md")]
    return written
