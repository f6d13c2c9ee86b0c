"""The incident report for the breach file, rendered from report v1 and the remediation history.

What goes in: when the exposure was first seen (the scan), when it was fixed and verified (the
remediation tables), what was exposed (types, counts, people, organisations, masked examples only),
how (the grants, statements and flags the evaluation names), which obligations apply and by when,
and a letter to the bucket owner. What never goes in: a raw value, or a list of object keys (keys
often carry names; only the exposure reasons may cite one as evidence). Masked examples that do not
look masked are dropped as a last line of defence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from phiscope.exposure.conditions import ALL_AUDIENCES as AUDIENCES
from phiscope.exposure.evaluate import CAPABILITIES
from phiscope.report.provider import bucket_url

MASK_CHARS = ("*", "•", "█", "X" * 3)
MAX_EXAMPLES_PER_TYPE = 3


def looks_masked(example: str) -> bool:
    """True for an excerpt that hides part of the value (***-**-6789, J*** D**)."""
    return isinstance(example, str) and any(m in example for m in MASK_CHARS)


def _md(text: Any) -> str:
    """Text safe inside a Markdown table cell or line."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _ts(value: Any) -> str:
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, str) and value:
        try:
            return _ts(datetime.fromisoformat(value))
        except ValueError:
            return value
    return "unknown"


def _sort_key(value: Any) -> str:
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return dt.astimezone(UTC).isoformat()
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value)
            return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
        except ValueError:
            return value
    return ""


def open_capabilities(exposure: Mapping[str, Any] | None) -> list[str]:
    access = (exposure or {}).get("access") or {}
    return [f"{a}:{c}" for a in AUDIENCES for c in CAPABILITIES if (access.get(a) or {}).get(c) is True]


def exposed_buckets(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        b
        for b in report.get("buckets") or []
        if (b.get("exposure") or {}).get("public") or open_capabilities(b.get("exposure"))
    ]


def masked_examples(report: Mapping[str, Any], bucket: str) -> dict[str, list[str]]:
    """Up to three masked examples per detection type for one bucket."""
    out: dict[str, list[str]] = defaultdict(list)
    for o in report.get("objects") or []:
        if o.get("bucket") != bucket:
            continue
        for d in o.get("detections") or []:
            bucket_list = out[str(d.get("type"))]
            for m in d.get("masked_examples") or []:
                if len(bucket_list) < MAX_EXAMPLES_PER_TYPE and looks_masked(m) and m not in bucket_list:
                    bucket_list.append(m)
    return dict(out)


def timeline(
    report: Mapping[str, Any], history: dict[str, dict[str, list[dict[str, Any]]]]
) -> list[tuple[str, str, str]]:
    """(sort key, display time, event) rows, oldest first."""
    scan = report.get("scan") or {}
    rows: list[tuple[str, str, str]] = []
    started = scan.get("started_at")
    for b in exposed_buckets(report):
        caps = ", ".join(open_capabilities(b.get("exposure"))) or "public (see below)"
        rows.append(
            (
                _sort_key(started),
                _ts(started),
                f"Exposure of {bucket_url(b)} first seen by PHIscope scan {scan.get('id')}: {caps}",
            )
        )
    if scan.get("finished_at"):
        rows.append((_sort_key(scan["finished_at"]), _ts(scan["finished_at"]), "Scan finished"))
    start_key = _sort_key(started)
    for bucket, h in history.items():
        for c in h.get("changes") or []:
            if _sort_key(c.get("at")) < start_key:
                continue
            if c.get("action") == "rollback":
                step = (c.get("target") or {}).get("step", "rollback")
                rows.append(
                    (_sort_key(c["at"]), _ts(c["at"]), f"Rollback on s3://{bucket}: {step} ({c['status']})")
                )
                continue
            where = (c.get("target") or {}).get("key")
            what = f"{c['action']} on s3://{bucket}" + (" (one object)" if where else "")
            rows.append((_sort_key(c.get("at")), _ts(c.get("at")), f"Fix {c.get('status')}: {what}"))
        for v in h.get("verifications") or []:
            if _sort_key(v.get("verified_at")) < start_key:
                continue
            rows.append(
                (
                    _sort_key(v["verified_at"]),
                    _ts(v["verified_at"]),
                    f"Verified from outside: s3://{bucket} {str(v.get('status')).upper()}",
                )
            )
    rows.sort(key=lambda r: r[0])
    return rows


def _exposure_lines(exposure: dict[str, Any]) -> list[str]:
    lines = ["| audience | " + " | ".join(CAPABILITIES) + " |", "|---|" + "---|" * len(CAPABILITIES)]
    access = exposure.get("access") or {}
    for a in AUDIENCES:
        caps = access.get(a) or {}
        lines.append(
            f"| {a} | " + " | ".join("**yes**" if caps.get(c) else "no" for c in CAPABILITIES) + " |"
        )
    lines.append("")
    for r in exposure.get("reasons") or []:
        lines.append(f"- {_md(r)}")
    for e in exposure.get("evidence") or []:
        if isinstance(e, dict):
            bits = [f"{k}={_md(v)}" for k, v in e.items() if v not in (None, "")]
            lines.append(f"- evidence: {', '.join(bits)}")
    for r in exposure.get("latent") or []:
        lines.append(f"- latent (blocked today, live if a setting flips): {_md(r)}")
    for r in exposure.get("uncertain") or []:
        lines.append(f"- uncertain: {_md(r)}")
    return lines


def verified_closed(history: dict[str, Any], bucket: str) -> bool:
    """A fix counts as done only when its last verification from outside says closed."""
    checks = (history.get(bucket) or {}).get("verifications") or []
    return bool(checks) and str(checks[-1].get("status") or "").lower() == "closed"


def _closure_text(buckets: list[dict[str, Any]], history: dict[str, Any]) -> str:
    open_ = [b for b in buckets if not verified_closed(history, b["name"])]
    if buckets and not open_:
        return (
            "Public access was closed and the closure verified, as recorded in the timeline of this report."
        )
    names = ", ".join(bucket_url(b) for b in open_) or "[bucket]"
    return (
        f"No verified fix is recorded yet for {names}: access must be assumed to be still open. "
        "Close it first (`phiscope fix plan`, then `phiscope fix apply --yes`, which verifies from outside)."
    )


def _letter(
    report: Mapping[str, Any],
    buckets: list[dict[str, Any]],
    ours: bool,
    history: dict[str, Any] | None = None,
) -> list[str]:
    scan = report.get("scan") or {}
    impact = report.get("impact") or {}
    names = ", ".join(bucket_url(b) for b in buckets) or "[bucket]"
    cats = ", ".join(impact.get("data_categories") or []) or "[data categories]"
    people = impact.get("people_affected")
    seen = _ts(scan.get("started_at"))
    how = "; ".join(sorted({c for b in buckets for c in open_capabilities(b.get("exposure"))})) or "[access]"
    lines = ["## Notification letter (template)", ""]
    if ours:
        lines += [
            "_To the owner of the data / privacy officer. Fill in the bracketed fields._",
            "",
            f"Subject: Security incident: storage bucket(s) {names} were publicly accessible",
            "",
            "Dear [name],",
            "",
            f"On {seen} our security scan (PHIscope, scan {scan.get('id')}) found that {names} could be "
            f"accessed from the internet without authorisation ({how}). The bucket(s) held {cats}"
            + (f" concerning about {people} people." if people is not None else "."),
            "",
            _closure_text(buckets, history or {}) + " "
            "Please decide on the notifications listed under 'Obligations and deadlines' "
            "(the deadlines run from discovery), review the server access logs / CloudTrail data "
            "events for access before the scan, and keep this report in the breach file.",
            "",
            "Regards,",
            "[name, role, contact]",
        ]
    else:
        lines += [
            "_Responsible disclosure to a bucket owner who is not us. Fill in the bracketed fields; send "
            "it through the owner's security contact (security.txt, a bug-bounty programme, or the cloud "
            "provider's abuse channel when no owner can be identified)._",
            "",
            f"Subject: Security notice: your storage bucket(s) {names} are publicly accessible",
            "",
            "Dear [organisation] security team,",
            "",
            f"On {seen} we found that {names} can be accessed from the internet without authorisation "
            f"({how}). The content appears to include {cats}"
            + (f", concerning on the order of {people} people." if people is not None else "."),
            "",
            "We accessed only what was needed to confirm the problem: listings and small samples, from "
            "which we kept masked excerpts as evidence. We did not copy, keep or share any personal "
            "data beyond that evidence, and we will delete it once you confirm the fix.",
            "",
            "To close access quickly: turn on S3 Block Public Access for the bucket (or the account), "
            "remove ACL grants to AllUsers/AuthenticatedUsers, and remove bucket-policy statements that "
            'allow Principal "*" without a restricting condition. Check your access logs for '
            "earlier access: the data may be subject to breach-notification duties (e.g. HIPAA, GDPR).",
            "",
            "We intend to keep this private for [90] days or until it is fixed, whichever comes first. "
            "Please confirm receipt at [contact].",
            "",
            "Regards,",
            "[name, organisation, contact]",
        ]
    return lines


def render_incident(
    report: Mapping[str, Any],
    history: dict[str, dict[str, list[dict[str, Any]]]] | None = None,
    *,
    ours: bool | None = None,
    notes: list[str] | None = None,
) -> str:
    """The incident report as Markdown. `ours` defaults to scan mode != 'anonymous'."""
    history = history or {}
    scan = report.get("scan") or {}
    impact = report.get("impact") or {}
    if ours is None:
        ours = scan.get("mode") != "anonymous"
    exposed = exposed_buckets(report)
    lines = [
        f"# Incident report: scan {_md(scan.get('id'))}",
        "",
        f"Generated {_ts(datetime.now(UTC))} by PHIscope {_md(scan.get('phiscope_version', ''))}. "
        "Contains masked excerpts only; no raw personal data.",
        "",
    ]
    for n in notes or []:
        lines.append(f"> {n}")
    lines += [
        "## Summary",
        "",
        "| | |",
        "|---|---|",
        f"| Buckets exposed | {len(exposed)} of {len(report.get('buckets') or [])} scanned |",
        f"| People affected | {_md(impact.get('people_affected', 'unknown'))}"
        + (
            f" (range {impact['people_affected_range'][0]}–{impact['people_affected_range'][1]})"
            if impact.get("people_affected_range")
            else ""
        )
        + " |",
        f"| Organisations | {_md(impact.get('organisations', 'unknown'))} |",
        f"| Data categories | {_md(', '.join(impact.get('data_categories') or []) or 'none found')} |",
        f"| Severity | {_md(impact.get('severity', 'unknown'))} |",
        f"| Scan mode | {_md(scan.get('mode', 'unknown'))} ({'our bucket' if ours else 'not our bucket'}) |",
        "",
        "## Timeline (UTC)",
        "",
        "| when | event |",
        "|---|---|",
    ]
    for _, when, event in timeline(report, history):
        lines.append(f"| {when} | {_md(event)} |")
    lines += [
        "",
        "_First seen = the time of this scan. Earlier exposure cannot be ruled out from settings alone: "
        "check S3 server access logs and CloudTrail data events._",
        "",
        "## What was exposed",
        "",
    ]
    for b in exposed or []:
        lines += [
            f"### {_md(bucket_url(b))}",
            "",
            f"- objects: {b.get('objects_total', '?')} listed, {b.get('objects_scanned', '?')} scanned",
            f"- people affected: {b.get('people_affected', 'unknown')}; organisations: "
            f"{b.get('organisations', 'unknown')}",
            f"- categories: {', '.join(b.get('categories') or []) or 'none found'}; "
            f"PHI: {'yes' if b.get('contains_phi') and b.get('health') else 'no'}; "
            f"severity {b.get('severity', '?')}",
            "",
        ]
        by_type = b.get("detections_by_type") or {}
        examples = masked_examples(report, b["name"])
        if by_type:
            lines += ["| type | occurrences | masked examples |", "|---|---|---|"]
            for t, n in sorted(by_type.items(), key=lambda kv: (-int(kv[1]), kv[0])):
                ex = ", ".join(f"`{_md(e)}`" for e in examples.get(t, []))
                lines.append(f"| {_md(t)} | {n} | {ex} |")
            lines.append("")
    if not exposed:
        lines += ["No bucket of this scan was found exposed.", ""]
    lines += ["## How it was exposed", ""]
    for b in exposed:
        lines += [f"### {_md(bucket_url(b))}", "", *_exposure_lines(b.get("exposure") or {}), ""]
        errs = b.get("exposure_errors") or []
        if errs:
            lines += [f"- settings that could not be read: {_md('; '.join(map(str, errs)))}", ""]
    lines += ["## Obligations and deadlines", ""]
    obligations = [o for o in impact.get("obligations") or [] if o.get("applies", True)]
    if obligations:
        lines += ["| regulation | obligation | deadline | notify | why |", "|---|---|---|---|---|"]
        for o in sorted(obligations, key=lambda o: (str(o.get("deadline") or "9999"), str(o.get("id")))):
            days = o.get("deadline_days")
            dl = f"{o.get('deadline') or 'n/a'}" + (f" ({days} days)" if days is not None else "")
            lines.append(
                f"| {_md(o.get('regulation', ''))} | {_md(o.get('title', o.get('id', '')))} | {_md(dl)} | "
                f"{_md(', '.join(o.get('notify') or []))} | {_md(o.get('why', ''))} |"
            )
        lines += ["", "_Deadlines as computed by the scan; confirm them with counsel._", ""]
    else:
        lines += ["No notification obligation was triggered by this scan's findings.", ""]
    lines += ["## Remediation", ""]
    for b in exposed:
        h = history.get(b["name"]) or {}
        applied = [c for c in h.get("changes") or [] if c.get("action") != "rollback"]
        checks = h.get("verifications") or []
        if not applied and not checks:
            lines.append(f"- {_md(bucket_url(b))}: no fix recorded yet (`phiscope fix plan {bucket_url(b)}`)")
            continue
        lines.append(f"- {_md(bucket_url(b))}: {len(applied)} change(s) recorded")
        if checks:
            last = checks[-1]
            lines.append(f"  - last verification {_ts(last.get('verified_at'))}: **{last.get('status')}**")
            for ev in (last.get("result") or {}).get("evidence") or []:
                lines.append(f"    - {_md(ev)}")
    lines += ["", *_letter(report, exposed, ours, history), ""]
    return "\n".join(lines)


_BOLD = re.compile(r"(?<![*\w])\*\*(?=[A-Za-z0-9])(.+?)(?<=[A-Za-z0-9.)])\*\*(?![*\w])")
_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    """Markdown inline -> reportlab markup: **bold** and `code` become tags, and every other
    character is kept, so masks (***-**-9123, J*** D**) print exactly as stored."""
    from xml.sax.saxutils import escape

    out = escape(text.replace("\\|", "|"))
    out = _BOLD.sub(lambda m: f"<b>{m.group(1)}</b>", out) if "**" in out else out
    return _CODE.sub(lambda m: f'<font face="Courier">{m.group(1)}</font>', out)


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row (escaped pipes `\\|` stay in the cell)."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    return [c.strip() for c in parts[1:-1]] if len(parts) >= 2 else [line]


def markdown_to_pdf(markdown: str, path: str) -> None:
    """A PDF rendering of the report: headings, paragraphs and real tables; masks kept as they are."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=8, leading=10)
    story: list[Any] = []
    table: list[list[Any]] = []

    def flush() -> None:
        if table:
            t = Table(table, repeatRows=1, hAlign="LEFT")
            t.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(t)
            table.clear()

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if line.startswith("|"):
            cells = _cells(line)
            if all(set(c) <= {"-", ":"} for c in cells):
                continue  # the header separator row
            table.append([Paragraph(_inline(c), cell) for c in cells])
            continue
        flush()
        if not line:
            story.append(Spacer(1, 4))
        elif line.startswith("### "):
            story.append(Paragraph(_inline(line[4:]), styles["Heading3"]))
        elif line.startswith("## "):
            story.append(Paragraph(_inline(line[3:]), styles["Heading2"]))
        elif line.startswith("# "):
            story.append(Paragraph(_inline(line[2:]), styles["Title"]))
        else:
            story.append(Paragraph(_inline(line), styles["BodyText"]))
    flush()
    SimpleDocTemplate(path, pagesize=A4, title="PHIscope incident report").build(story)
