"""Disclosure pack: per exposed bucket, what an owner needs to act — what is reachable, the evidence
(requests made, HTTP codes, masked examples), when, and whom to tell (security.txt, RFC 9116).

Formats as for scans: JSON (`phiscope.disclosure/1`) for machines, Markdown and a self-contained HTML
page for people, and OCSF 1.5.0 (one Detection Finding per exposed bucket) for a SIEM. Every format holds
masked examples only; the HTML escapes every value (bucket names and keys are chosen by whoever owns or
can write to the bucket, so they are treated as hostile).
"""

from __future__ import annotations

import html
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


FORMATS = ("json", "md", "html", "ocsf")
_SUFFIX = {"json": ".json", "md": ".md", "html": ".html", "ocsf": ".ocsf.json"}


def parse_formats(value: str) -> tuple[str, ...]:
    """`json,md,html,ocsf` (any subset, in any order; `all` for every one) → the formats, in FORMATS order."""
    want = {f.strip().lower() for f in value.split(",") if f.strip()}
    if "all" in want:
        return FORMATS
    bad = sorted(want - set(FORMATS))
    if bad or not want:
        raise ValueError(
            f"unknown pack format(s) {', '.join(bad) or '(none)'}; choose from {', '.join(FORMATS)}"
        )
    return tuple(f for f in FORMATS if f in want)


def render(p: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(p, indent=2, default=str)
    if fmt == "md":
        return markdown(p)
    if fmt == "html":
        return render_html(p)
    if fmt == "ocsf":
        return json.dumps([to_ocsf(p)], indent=2, default=str)
    raise ValueError(f"unknown pack format {fmt!r}")


def write_packs(out_dir: Path, packs: list[dict[str, Any]], formats: tuple[str, ...] = FORMATS) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for p in packs:
        # not Path.with_suffix: a bucket name such as `acme.exports` has a dot of its own
        stem = _slug(f"{p['provider']}-{p['bucket']}")
        for fmt in formats:
            path = out_dir / (stem + _SUFFIX[fmt])
            path.write_text(render(p, fmt), "utf-8")
            written.append(path)
    return written


# --- HTML ---------------------------------------------------------------------------------------

_STATE_SEV = {"exists-readable": "critical", "exists-listable": "high"}


def _asset(name: str) -> str:
    from importlib import resources

    return resources.files("phiscope.report").joinpath("assets", name).read_text(encoding="utf-8")


def render_html(p: dict[str, Any]) -> str:
    """One self-contained page (the scan report's stylesheet inline, no script, no network)."""
    e = html.escape
    sev = _STATE_SEV.get(str(p.get("state")), "medium")
    first = p.get("first_page") or {}
    region = f" · region {e(str(p['region']))}" if p.get("region") else ""
    reach = "".join(f"<li>{e(str(w))}</li>" for w in p.get("reachable") or [])
    reach += (
        f"<li>First listing page: {int(first.get('keys_seen') or 0)} keys"
        + (" (more exist)" if first.get("more") else "")
        + "</li>"
    )
    keys = "".join(f"<li><code>{e(str(k))}</code></li>" for k in first.get("example_keys_masked") or [])
    if keys:
        reach += f"<li>Example keys (masked):<ul>{keys}</ul></li>"
    c = p.get("classification")
    cls = ""
    if c:
        rows = "".join(
            f"<tr><td>{e(str(t))}</td><td>{e(str(d.get('category')))}</td>"
            f'<td class="num">{int(d.get("count") or 0)}</td>'
            f'<td class="num">{int(d.get("objects") or 0)}</td>'
            f"<td>{', '.join(f'<code>{e(str(x))}</code>' for x in d.get('masked_examples') or [])}</td></tr>"
            for t, d in (c.get("types") or {}).items()
        )
        lim = c.get("limits") or {}
        cls = (
            '<section class="panel"><h2>What the first bytes of a few objects hold (masked)</h2>'
            f"<p>{int(c.get('objects_read') or 0)} objects read, "
            f"{int(c.get('bytes_read') or 0)} bytes in all "
            f"(at most {e(str(lim.get('objects')))} objects × {e(str(lim.get('kib_per_object')))} KiB).</p>"
            '<table class="grid"><thead><tr><th>Type</th><th>Category</th><th class="num">Count</th>'
            '<th class="num">Objects</th><th>Masked examples</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>"
        )
    reqs = "".join(
        f"<tr><td>{e(str(rq.get('at', '')))}</td><td><code>GET {e(str(rq.get('url', '')))}"
        + (f" Range: {e(str(rq['range']))}" if rq.get("range") else "")
        + f"</code></td><td>{e(str(rq.get('status', rq.get('error', ''))))}</td>"
        + f"<td>{e(str(rq.get('code') or ''))}</td></tr>"
        for rq in (p.get("evidence") or {}).get("requests") or []
    )
    contact = p.get("owner_contact")
    if contact and (contact.get("fields") or {}).get("contact"):
        f = contact["fields"]
        who = "".join(f"<li>Contact: {e(str(v))}</li>" for v in f["contact"])
        who += "".join(f"<li>Policy: {e(str(v))}</li>" for v in f.get("policy", []))
        who += f"<li>Source: {e(str(contact.get('url')))}</li>"
    elif contact:
        who = (
            f"<li>No contact published ({e(str(contact.get('status')))}) at {e(str(contact.get('url')))}</li>"
        )
    else:
        who = "<li>Not looked up (run with --domain to read the domain's /.well-known/security.txt)</li>"
    anon = p.get("anonymous") or {}
    body = (
        f'<header class="top sevb-{sev}"><div class="brand"><div><h1>Exposed bucket: {e(str(p["bucket"]))}'
        f" ({e(str(p['provider']))})</h1>"
        f'<div class="meta">State <b>{e(str(p["state"]))}</b> · anonymous list: {e(str(anon.get("list")))}, '
        f"anonymous read: {e(str(anon.get('read')))} · endpoint {e(str(p.get('endpoint')))}{region}"
        f" · checked at {e(str(p.get('checked_at')))}</div></div></div>"
        f'<div class="overall">Severity<br><span class="sev sev-{sev}">{sev}</span></div></header><main>'
        f'<section class="panel"><h2>What is reachable</h2><ul>{reach}</ul></section>{cls}'
        '<section class="panel"><h2>Evidence (requests made)</h2><table class="grid"><thead><tr><th>Time</th>'
        f"<th>Request</th><th>HTTP</th><th>Code</th></tr></thead><tbody>{reqs}</tbody></table>"
        f'<p class="muted small">{e(str((p.get("evidence") or {}).get("note", "")))}.</p></section>'
        f'<section class="panel"><h2>Whom to tell</h2><ul>{who}</ul></section>'
        f'<section class="panel"><h2>How to close it</h2><p>{e(str(p.get("how_to_close", "")))}</p></section>'
        f"<footer>Generated by {e(str(p.get('tool', '')))} ({e(str(p.get('schema', '')))}). "
        "Examples and keys are "
        "masked; no raw sensitive value is in this file.</footer></main>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>PHIscope disclosure: {e(str(p['bucket']))} ({e(str(p['provider']))})</title>"
        f"<style>{_asset('report.css')}</style></head><body>{body}</body></html>\n"
    )


# --- OCSF 1.5.0 ---------------------------------------------------------------------------------

_CLOUD = {"aws": "AWS", "gcs": "GCP", "azure": "Azure"}
_TYPE = {"aws": "AWS::S3::Bucket", "gcs": "GCP Bucket", "azure": "Azure Blob container"}


def _ms(iso: Any) -> int:
    from datetime import datetime

    try:
        return int(datetime.fromisoformat(str(iso)).timestamp() * 1000)
    except ValueError:
        return 0


def _resource_uid(p: dict[str, Any]) -> str:
    if p["provider"] == "aws":
        return f"arn:aws:s3:::{p['bucket']}"
    if p["provider"] == "gcs":
        return f"//storage.googleapis.com/projects/_/buckets/{p['bucket']}"
    return f"{p.get('endpoint') or p['provider']}#{p['bucket']}"


def to_ocsf(p: dict[str, Any]) -> dict[str, Any]:
    """A disclosure pack → one OCSF 1.5.0 Detection Finding (2004) with the `cloud` profile."""
    sensitive = bool((p.get("classification") or {}).get("types"))
    readable = p.get("state") == READABLE
    sev_id = 5 if readable and sensitive else 4 if readable else 3
    anon = p.get("anonymous") or {}
    what = "read and list" if readable and anon.get("list") else "read" if readable else "list"
    title = f"Bucket {p['bucket']} ({p['provider']}): anyone on the internet can {what} it"
    run = p.get("run") or {}
    t = _ms(p.get("checked_at"))
    ev: dict[str, Any] = {
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "time": t,
        "severity_id": sev_id,
        "severity": {3: "Medium", 4: "High", 5: "Critical"}[sev_id],
        "status_id": 1,
        "status": "New",
        "message": title,
        "metadata": {
            "version": "1.5.0",
            "product": {
                "name": "PHIscope",
                "vendor_name": "PHIscope",
                "version": __version__,
                "uid": "phiscope",
            },
            "profiles": ["cloud"],
            "log_name": "phiscope-discover",
            "event_code": f"discover:{p['state']}",
            "correlation_uid": str(run.get("id") or ""),
        },
        "cloud": {"provider": _CLOUD.get(p["provider"], p["provider"])},
        "finding_info": {
            "uid": f"phiscope-discover:{p['provider']}:{p['bucket']}",
            "title": title,
            "desc": ("; ".join(p.get("reachable") or []) or title)[:4000],
            "types": ["Data exposure", f"anonymous:{'read' if readable else 'list'}"],
            "product_uid": "phiscope",
        },
        "resources": [
            {"uid": _resource_uid(p), "name": p["bucket"], "type": _TYPE.get(p["provider"], "Bucket")}
        ],
        "remediation": {"desc": p.get("how_to_close") or ""},
        "unmapped": {
            "disclosure_schema": p.get("schema"),
            "endpoint": p.get("endpoint"),
            "anonymous": anon,
            "first_page": p.get("first_page"),
            "classification": p.get("classification"),
            "owner_contact": p.get("owner_contact"),
        },
    }
    if p.get("region"):
        ev["cloud"]["region"] = str(p["region"])
        ev["resources"][0]["labels"] = [f"region:{p['region']}"]
    reqs = [r for r in (p.get("evidence") or {}).get("requests") or [] if isinstance(r, dict)]
    if reqs:
        ev["evidences"] = [{"data": dict(r)} for r in reqs[:20]]
    return ev
