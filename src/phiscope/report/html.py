# ruff: noqa: E501  (HTML markup reads better unwrapped; the CSS and JS live in assets/)
"""One self-contained HTML report a compliance officer can read, forward and open offline.

Everything is inline: CSS, the charts (SVG drawn here), and a small script that filters and pages the
findings table from an embedded compact JSON (dictionary-encoded buckets, folders, types), so the file
stays usable with 100,000 objects. Every value from the scan (bucket names, keys, reasons) is escaped
here or inserted with textContent by the script: object keys are chosen by whoever can write to a
bucket, so they are treated as hostile.
"""

from __future__ import annotations

import functools
import html
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

from phiscope.impact.severity import bucket_severity
from phiscope.json_types import ReportV1
from phiscope.report.compliance import compliance_status
from phiscope.report.findings import (
    AUDIENCE_TEXT,
    CAPABILITY_TEXT,
    LEVELS,
    Finding,
    cap1,
    exposure_kinds,
    iter_findings,
    location_text,
    text_of,
)
from phiscope.report.provider import object_uri
from phiscope.report.summary import headline

SEV_COLOR = {
    "critical": "#b3123b",
    "high": "#e0542e",
    "medium": "#e6a117",
    "low": "#3a8fd6",
    "info": "#8a94a6",
}
LEVEL_LABEL = {
    "public": "Public (anyone)",
    "authenticated": "Any AWS account",
    "latent": "Latent (blocked today)",
    "none": "Private",
}
SENSITIVITY = (
    ("phi", "PHI: identity + health"),
    ("identity", "Personal identifiers"),
    ("health", "Health context only"),
    ("none", "Nothing sensitive"),
)
_FAKE_EXPOSURE: dict[str, dict[str, Any] | None] = {
    "public": {"access": {"anonymous": {"read": True}}},
    "authenticated": {"access": {"any_aws_account": {"read": True}}},
    "latent": {"latent": ["x"]},
    "none": None,
}
MAX_LOCS_IN_TABLE = 3
MAX_EXAMPLES_IN_TABLE = 3

e = html.escape


@functools.cache
def _asset(name: str) -> str:
    """Inline CSS/JS shipped as package data (assets/), so the page needs no network."""
    return resources.files("phiscope.report").joinpath("assets", name).read_text(encoding="utf-8")


def _n(v: Any) -> str:
    return f"{int(v or 0):,}"


def _level(b: Mapping[str, Any]) -> str:
    lvl = b.get("exposure_level")
    if lvl:
        return str(lvl)
    from phiscope.impact.severity import exposure_level

    return exposure_level(b.get("exposure"))


def _sensitivity(b: Mapping[str, Any]) -> str:
    phi, health = bool(b.get("contains_phi")), bool(b.get("health"))
    return "phi" if phi and health else "identity" if phi else "health" if health else "none"


def _badge(sev: str | None) -> str:
    s = sev or "info"
    return f'<span class="sev sev-{e(s)}">{e(s.upper())}</span>'


# ---------------------------------------------------------------- charts (inline SVG)


def hbar_chart(
    items: list[tuple[str, float]], *, color: str = "#3a5ba0", width: int = 420, unit: str = ""
) -> str:
    if not items:
        return '<p class="muted">Nothing to show.</p>'
    label_w, bar_h, gap = 140, 18, 8
    vmax = max(v for _, v in items) or 1
    h = len(items) * (bar_h + gap) + 4
    avail = width - label_w - 70
    rows = []
    for i, (label, v) in enumerate(items):
        y = i * (bar_h + gap) + 2
        w = max(1.0, avail * v / vmax)
        short = label if len(label) <= 22 else label[:20] + "…"
        rows.append(
            f"<g><title>{e(label)}: {v:,.0f}{unit}</title>"
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.72:.1f}" text-anchor="end" class="lbl">{e(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{color}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.72:.1f}" class="val">{v:,.0f}</text></g>'
        )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {h}" width="100%" role="img" '
        f'preserveAspectRatio="xMinYMin meet">{"".join(rows)}</svg>'
    )


def donut_chart(parts: list[tuple[str, int, str]], *, size: int = 170) -> str:
    total = sum(v for _, v, _ in parts)
    if not total:
        return '<p class="muted">No objects.</p>'
    r, c = 60, size / 2
    circ = 2 * 3.141592653589793 * r
    off = 0.0
    arcs = []
    for label, v, color in parts:
        if not v:
            continue
        frac = v / total
        arcs.append(
            f'<circle r="{r}" cx="{c}" cy="{c}" fill="none" stroke="{color}" stroke-width="26" '
            f'stroke-dasharray="{frac * circ:.2f} {circ:.2f}" stroke-dashoffset="{-off:.2f}" '
            f'transform="rotate(-90 {c} {c})"><title>{e(label)}: {v:,}</title></circle>'
        )
        off += frac * circ
    legend = "".join(
        f'<li><span class="dot" style="background:{color}"></span>{e(label)} <b>{v:,}</b> '
        f'<span class="muted">({100 * v / total:.1f}%)</span></li>'
        for label, v, color in parts
    )
    return (
        f'<div class="donut"><svg viewBox="0 0 {size} {size}" width="{size}" height="{size}" role="img">'
        f'{"".join(arcs)}<text x="{c}" y="{c - 2}" text-anchor="middle" class="big">{total:,}</text>'
        f'<text x="{c}" y="{c + 16}" text-anchor="middle" class="lbl">objects</text></svg>'
        f'<ul class="legend">{legend}</ul></div>'
    )


# ---------------------------------------------------------------- sections


def _bucket_map(buckets: Sequence[Mapping[str, Any]]) -> str:
    cells: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for b in buckets:
        cells.setdefault((_level(b), _sensitivity(b)), []).append(b)
    head = "".join(f"<th>{e(label)}</th>" for _, label in SENSITIVITY)
    rows = []
    for lvl in ("public", "authenticated", "latent", "none"):
        tds = []
        for sens, _ in SENSITIVITY:
            sev = bucket_severity(
                _FAKE_EXPOSURE[lvl],
                contains_phi=sens in ("phi", "identity"),
                health=sens in ("phi", "health"),
                people=0,
            )
            chips = "".join(
                f'<a class="chip" href="#b-{i}" title="{e(b["name"])}: {_n(b.get("people_affected"))} people, '
                f'severity {e(b.get("severity") or "info")}">{e(b["name"])}</a>'
                for i, b in ((buckets.index(b), b) for b in cells.get((lvl, sens), []))
            )
            tds.append(f'<td class="cell cell-{e(sev)}" data-sev="{e(sev)}">{chips}</td>')
        rows.append(f'<tr><th scope="row">{e(LEVEL_LABEL[lvl])}</th>{"".join(tds)}</tr>')
    return (
        '<table class="map"><thead><tr><th class="corner">exposure ↓ · data →</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        '<p class="muted small">Cell colour: the severity PHIscope gives that combination of exposure and '
        "sensitivity. Click a bucket for why it is exposed.</p>"
    )


def _evidence_table(evidence: list[Any]) -> str:
    rows = []
    for ev in evidence:
        if not isinstance(ev, dict):
            rows.append(f'<tr><td colspan="6"><code>{e(text_of(ev))}</code></td></tr>')
            continue
        where = ev.get("sid") if ev.get("sid") not in (None, "") else ev.get("index")
        where_txt = f"Sid {where}" if ev.get("sid") else (f"statement #{where}" if where is not None else "")
        rows.append(
            "<tr>"
            f"<td>{e(str(ev.get('kind') or ''))}</td><td>{e(str(ev.get('level') or ''))}</td>"
            f"<td>{e(where_txt)}</td><td>{e(str(ev.get('effect') or ''))}</td>"
            f"<td>{e(str(ev.get('grantee') or ''))}<br><b>{e(str(ev.get('permission') or ''))}</b></td>"
            f"<td><code>{e(str(ev.get('text') or ''))}</code></td></tr>"
        )
    return (
        '<table class="ev"><thead><tr><th>Setting</th><th>Level</th><th>Statement</th><th>Effect</th>'
        f"<th>Grantee / permission</th><th>Exact text</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _why(buckets: Sequence[Mapping[str, Any]]) -> str:
    out = []
    for i, b in enumerate(buckets):
        exp = b.get("exposure") or {}
        kinds = exposure_kinds(exp)
        lvl = _level(b)
        caps = "".join(
            f"<li><b>{e(cap1(AUDIENCE_TEXT[k.split(':')[0]]))}</b> can "
            f'{e(CAPABILITY_TEXT[k.split(":")[1]])} <span class="kind">{e(k)}</span>'
            + (
                f' <span class="mutedtag">muted: {e(str(exp["muted_kinds"][k].get("reason")))}</span>'
                if (exp.get("muted_kinds") or {}).get(k)
                else ""
            )
            + "</li>"
            for k in kinds
        )
        verdict = b.get("verdict")
        label = LEVEL_LABEL.get(lvl, lvl)
        if verdict == "could_not_verify":
            label = "Could not verify"
        elif verdict == "local":
            label = "Local"
        parts = [
            f'<details class="bucket lvl-{e(lvl)}" id="b-{i}"{" open" if kinds and i < 6 else ""}>'
            f"<summary>{_badge(b.get('severity'))} <b>{e(b['name'])}</b> "
            f'<span class="lvl">{e(label)}</span>'
            f'<span class="right">{_n(b.get("people_affected"))} people · {_n(b.get("objects_scanned"))} objects'
            f" · {e(str(b.get('region') or 'region ?'))}</span></summary>"
        ]
        if caps:
            parts.append(f'<ul class="caps">{caps}</ul>')
        elif verdict == "could_not_verify":
            hint = f" ({b['verdict_hint']})" if b.get("verdict_hint") else ""
            parts.append(
                f'<p class="warn"><b>Could not verify:</b> {e(str(b.get("verdict_cause")))}{e(hint)}. '
                "This bucket is not known to be private.</p>"
            )
        elif verdict == "local":
            parts.append('<p class="muted">A local folder or file: no network exposure to assess.</p>')
        else:
            parts.append('<p class="ok">No one outside the account can list, read or write this bucket.</p>')
        reasons = exp.get("reasons") or []
        if reasons:
            parts.append("<h4>Why</h4><ul>" + "".join(f"<li>{e(text_of(r))}</li>" for r in reasons) + "</ul>")
        if exp.get("evidence"):
            parts.append("<h4>Evidence</h4>" + _evidence_table(exp["evidence"]))
        for label, items in (
            ("Latent (blocked today, would apply if the block were lifted)", exp.get("latent")),
            ("Uncertain (conservative verdict)", exp.get("uncertain")),
            ("Settings that could not be read (never treated as private)", b.get("exposure_errors")),
        ):
            if items:
                parts.append(
                    f"<h4>{e(label)}</h4><ul>" + "".join(f"<li>{e(text_of(x))}</li>" for x in items) + "</ul>"
                )
        if exp.get("muted"):
            m = exp["muted"]
            parts.append(
                f'<p class="mutedtag">Exposure muted: {e(str(m.get("reason")))} — owner {e(str(m.get("owner")))}, '
                f"expires {e(str(m.get('expires')))}</p>"
            )
        types = b.get("detections_by_type") or {}
        if types:
            parts.append(
                '<p class="small">Found: '
                + ", ".join(f"{e(t)} <b>{_n(n)}</b>" for t, n in sorted(types.items(), key=lambda x: -x[1]))
                + "</p>"
            )
        parts.append("</details>")
        out.append("".join(parts))
    return "".join(out)


def _obligations(report: ReportV1) -> str:
    obs = (report.get("impact") or {}).get("obligations") or []
    if not obs:
        return '<p class="ok">No notification obligation is triggered by this scan.</p>'
    rows = "".join(
        f"<tr><td><b>{e(str(o.get('id')))}</b><br><span class='muted'>{e(str(o.get('regulation') or ''))}</span></td>"
        f"<td>{e(str(o.get('title') or ''))}</td>"
        f"<td class='nowrap'>{e(str(o.get('deadline') or 'without undue delay'))}"
        + (
            f"<br><span class='muted'>{o['deadline_days']} days</span>"
            if o.get("deadline_days") is not None
            else ""
        )
        + f"</td><td>{e(', '.join(o.get('notify') or []))}</td><td>{e(str(o.get('why') or ''))}</td></tr>"
        for o in obs
    )
    return (
        '<table class="grid"><thead><tr><th>Rule</th><th>Obligation</th><th>Deadline</th><th>Notify</th>'
        f"<th>Why</th></tr></thead><tbody>{rows}</tbody></table>"
    )


_ST_T = '<span class="st st-t">triggered</span>'
_ST_C = '<span class="st st-c">no finding</span>'


def _compliance(status: list[dict[str, Any]]) -> str:
    out = []
    for fw in status:
        rows = "".join(
            f"<tr class='{'trig' if r['status'] == 'triggered' else 'clear'}'>"
            f"<td class='nowrap'><b>{e(r['id'])}</b></td><td>{e(r['title'])}"
            f"<div class='muted small'>{e(r['description'])}</div></td>"
            f"<td>{_ST_T if r['status'] == 'triggered' else _ST_C}</td>"
            f"<td class='num'>{_n(r['findings']) if r['findings'] or not r['scan_level'] else 'scan'}"
            + (f"<div class='muted small'>{_n(r['muted'])} muted</div>" if r["muted"] else "")
            + f"</td><td>{_badge(r['severity']) if r['severity'] else ''}</td>"
            f"<td class='small'>{e(', '.join(r['buckets'][:4]) + (' …' if len(r['buckets']) > 4 else ''))}</td></tr>"
            for r in fw["requirements"]
        )
        out.append(
            f"<h3>{e(fw['name'])} <span class='muted small'>{fw['triggered']} of {len(fw['requirements'])} "
            "requirements triggered</span></h3>"
            '<table class="grid comp"><thead><tr><th>Requirement</th><th>What it asks</th><th>Status</th>'
            f"<th>Findings</th><th>Worst</th><th>Buckets</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return "".join(out)


def _coverage(report: ReportV1) -> str:
    scan = report.get("scan") or {}
    cov = scan.get("coverage") or {}
    from phiscope.report.summary import _human_bytes

    items = [
        ("Objects listed", _n(cov.get("objects_listed"))),
        ("Objects scanned", _n(cov.get("objects_scanned"))),
        (
            "Bytes scanned",
            f"{_human_bytes(cov.get('bytes_scanned'))} of {_human_bytes(cov.get('bytes_listed'))}",
        ),
        ("Sampled", "yes" if cov.get("sampled") else "no (every selected object)"),
        ("Archived, not restored", _n(cov.get("archived_not_restored"))),
    ]
    return '<dl class="cov">' + "".join(f"<div><dt>{e(k)}</dt><dd>{v}</dd></div>" for k, v in items) + "</dl>"


# ---------------------------------------------------------------- embedded data


def page_title(report: ReportV1) -> str:
    """What was scanned, then the scan id: `PHIscope: s3://a, s3://b (+2) - scan ID`."""
    scan = report.get("scan") or {}
    targets = [str(t) for t in scan.get("targets") or []]
    what = ", ".join(targets[:3]) + (f" (+{len(targets) - 3})" if len(targets) > 3 else "")
    return f"PHIscope: {what or 'report'} - scan {scan.get('id') or ''}".strip()


def table_data(report: ReportV1, findings: Iterable[Finding]) -> dict[str, Any]:
    """Compact, dictionary-encoded rows for the client-side table (one row per object × type)."""
    buckets: dict[str, int] = {}
    dirs: dict[str, int] = {}
    types: dict[str, int] = {}
    kinds: dict[str, int] = {}
    reasons: dict[str, int] = {}

    def idx(d: dict[str, int], v: str) -> int:
        i = d.get(v)
        if i is None:
            i = d[v] = len(d)
        return i

    rows: list[list[Any]] = []
    for f in findings:
        if f.family != "data":
            continue
        key = f.key or ""
        d, _, base = key.rpartition("/")
        locs = "; ".join(location_text(loc) for loc in f.locations[:MAX_LOCS_IN_TABLE])
        if len(f.locations) > MAX_LOCS_IN_TABLE:
            locs += f"; +{len(f.locations) - MAX_LOCS_IN_TABLE}"
        muted = idx(reasons, str(f.muted.get("reason"))) + 1 if f.muted else 0
        rows.append(
            [
                idx(buckets, f.bucket),
                idx(dirs, d + "/" if d else ""),
                base,
                idx(types, f.kind),
                f.count,
                LEVELS.index(f.severity) if f.severity in LEVELS else 0,
                idx(kinds, f.exposure),
                locs,
                " | ".join(f.masked_examples[:MAX_EXAMPLES_IN_TABLE]),
                muted,
            ]
        )
    rows.sort(key=lambda r: (-r[5], -r[4]))
    skipped: list[list[Any]] = []
    for o in report.get("objects") or []:
        if o.get("status") in ("skipped", "partial"):
            key = o["key"]
            d, _, base = key.rpartition("/")
            skipped.append(
                [
                    idx(buckets, o["bucket"]),
                    idx(dirs, d + "/" if d else ""),
                    base,
                    0 if o["status"] == "skipped" else 1,
                    idx(reasons, str(o.get("reason") or "no reason given")),
                    int(o.get("size") or 0),
                ]
            )
    bucket_rows = {b["name"]: b for b in report.get("buckets") or []}
    return {
        "b": list(buckets),
        "p": [object_uri(bucket_rows.get(b), b, "") for b in buckets],  # provider-correct URI prefix
        "d": list(dirs),
        "t": list(types),
        "x": list(kinds),
        "r": list(reasons),
        "s": list(LEVELS),
        "f": rows,
        "k": skipped,
    }


def _embed_json(data: Any) -> str:
    """JSON safe inside <script>: no `</`, no `<!--`, no U+2028/2029 surprises."""
    s = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return (
        s.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# ---------------------------------------------------------------- page


def render_html(report: ReportV1) -> str:
    scan = report.get("scan") or {}
    impact = report.get("impact") or {}
    buckets = report.get("buckets") or []
    findings = list(iter_findings(report))
    h = headline(report)
    comp = compliance_status(report, findings)
    data = table_data(report, findings)

    people_range = impact.get("people_affected_range") or []
    range_txt = (
        f"range {_n(people_range[0])}–{_n(people_range[1])}"
        if len(people_range) == 2 and people_range[0] != people_range[1]
        else "linked by shared identifiers"
    )
    sev = h["severity"]
    cards = (
        f'<div class="card c-exp"><div class="k">Exposed buckets</div><div class="v" id="h-exposed">'
        f'{h["exposed_buckets"]}</div><div class="sub">of {h["buckets"]} scanned · {h["public_buckets"]} public</div></div>'
        f'<div class="card c-phi"><div class="k">Sensitive values found</div><div class="v" id="h-detections">'
        f'{_n(h["detections"])}</div><div class="sub">in {_n(h["objects_with_data"])} objects · '
        f'<span id="h-phi-objects">{_n(h["phi_objects"])}</span> with PHI</div></div>'
        f'<div class="card c-ppl"><div class="k">People affected</div><div class="v" id="h-people">'
        f'{_n(h["people_affected"])}</div><div class="sub"><span id="h-people-exposed">{_n(h["people_exposed"])}</span> '
        f"in exposed buckets · {e(range_txt)}</div></div>"
        f'<div class="card c-obl"><div class="k">Obligations triggered</div><div class="v" id="h-obligations">'
        f'{h["obligations"]}</div><div class="sub">'
        + e(", ".join(sorted({str(o.get("regulation")) for o in impact.get("obligations") or []})) or "none")
        + "</div></div>"
    )

    people = sorted(
        ((b["name"], float(b.get("people_affected") or 0)) for b in buckets), key=lambda x: -x[1]
    )[:12]
    types: Counter[str] = Counter()
    for b in buckets:
        types.update(b.get("detections_by_type") or {})
    sc = scan.get("status_counts") or {}
    clean = sum(
        1 for o in report.get("objects") or [] if o.get("status") == "complete" and not o.get("detections")
    )
    complete_found = int(sc.get("complete") or 0) - clean
    status_parts = [
        ("complete, sensitive data found", complete_found, "#b3123b"),
        ("complete, nothing found", clean, "#2e9e6a"),
        ("partial", int(sc.get("partial") or 0), "#e6a117"),
        ("skipped", int(sc.get("skipped") or 0), "#8a94a6"),
    ]
    targets = ", ".join(scan.get("targets") or [])
    sev_counts = Counter(f.severity for f in findings if f.muted is None)
    muted_n = sum(1 for f in findings if f.muted is not None)
    sev_strip = "".join(
        f'<span class="pill sev-{s}">{e(s)} <b>{_n(sev_counts.get(s, 0))}</b></span>'
        for s in reversed(LEVELS)
    ) + (f'<span class="pill mutedpill">muted <b>{_n(muted_n)}</b></span>' if muted_n else "")

    body = f"""
<header class="top sevb-{e(sev)}">
  <div class="brand"><svg width="30" height="30" viewBox="0 0 32 32" aria-hidden="true"><circle cx="14" cy="14" r="10"
   fill="none" stroke="#fff" stroke-width="3"/><path d="M21 21l8 8" stroke="#fff" stroke-width="3.5" stroke-linecap="round"/>
   <path d="M9 14h10M14 9v10" stroke="#fff" stroke-width="2.6"/></svg>
   <div><h1>PHIscope exposure report</h1>
   <div class="meta">Scan <b id="scan-id">{e(str(scan.get("id") or ""))}</b> · {e(str(scan.get("started_at") or ""))}
   · mode {e(str(scan.get("mode") or ""))} · {e(targets[:300])}</div></div></div>
  <div class="overall">Overall severity<br>{_badge(sev)}</div>
</header>
<main>
<section class="cards">{cards}</section>
<div class="sevstrip">Findings by severity: {sev_strip}</div>
<section class="panel"><h2>Bucket map</h2>{_bucket_map(buckets)}</section>
<section class="row3">
  <div class="panel"><h2>People affected by bucket</h2>{hbar_chart(people, color="#7a3db8")}</div>
  <div class="panel"><h2>Detections by type</h2>{hbar_chart([(k, float(v)) for k, v in types.most_common(12)], color="#1f6f9f")}</div>
  <div class="panel"><h2>Objects by status</h2>{donut_chart(status_parts)}</div>
</section>
<section class="panel"><h2>Obligations triggered</h2>{_obligations(report)}</section>
<section class="panel"><h2>Why each bucket is exposed</h2>{_why(buckets)}</section>
<section class="panel" id="findings"><h2>Findings <span class="muted small">(one row per object and type; values masked)</span></h2>
  <div class="filters">
    <input id="q" type="search" placeholder="Filter by key…" aria-label="Filter by key">
    <select id="fb" aria-label="Bucket"><option value="">All buckets</option></select>
    <select id="ft" aria-label="Type"><option value="">All types</option></select>
    <select id="fs" aria-label="Minimum severity"><option value="0">Any severity</option><option value="2">Medium+</option>
      <option value="3">High+</option><option value="4">Critical</option></select>
    <select id="fx" aria-label="Readable by"><option value="">Any exposure</option></select>
    <label class="chk"><input id="fm" type="checkbox"> show muted</label>
  </div>
  <table class="grid ft"><thead><tr><th data-k="5">Severity</th><th>Object</th><th>Type</th><th data-k="4" class="num">Count</th>
    <th>Readable by</th><th>Where</th><th>Masked examples</th></tr></thead><tbody id="rows"></tbody></table>
  <div class="pager"><button id="prev" type="button">‹ Prev</button><span id="pageinfo"></span>
    <button id="next" type="button">Next ›</button></div>
</section>
<section class="panel"><h2>Compliance mapping</h2>
<p class="muted small">Requirement ↔ finding kinds, from the framework files shipped with PHIscope. "Triggered" means at
least one unmuted finding of a mapped kind; it is a prompt for review, not a legal determination.</p>{_compliance(comp)}</section>
<section class="panel" id="coverage"><h2>Coverage</h2>{_coverage(report)}
  <h3>Objects not fully scanned <span class="muted small" id="skipinfo"></span></h3>
  <table class="grid sk"><thead><tr><th>Object</th><th>Status</th><th>Reason</th><th class="num">Size</th></tr></thead>
  <tbody id="skrows"></tbody></table>
  <div class="pager"><button id="sprev" type="button">‹ Prev</button><span id="spageinfo"></span>
    <button id="snext" type="button">Next ›</button></div>
</section>
<footer>Generated by PHIscope {e(str(scan.get("phiscope_version") or ""))} from report
{e(str(report.get("schema") or ""))}. No raw sensitive value is stored in this file: examples are masked.
People are counted from keyed fingerprints that never leave the findings database. {e(str(impact.get("method") or ""))}</footer>
</main>
<script type="application/json" id="data">{_embed_json(data)}</script>
"""
    title = page_title(report)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">"
        f"<title>{e(title)}</title><style>{_asset('report.css')}</style></head><body>{body}<script>{_asset('report.js')}</script></body></html>\n"
    )
