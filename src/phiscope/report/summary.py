"""The end-of-scan terminal summary: what is exposed and how, what is inside, who is affected, what
was not scanned, and which obligations started their clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from phiscope.json_types import ReportV1
from phiscope.report.findings import exposure_kinds, sev_rank
from phiscope.report.provider import object_uri
from phiscope.textsafe import printable

SEV_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
LEVEL_TEXT = {
    "public": "[bold red]public[/]",
    "authenticated": "[red]any AWS account[/]",
    "latent": "[yellow]latent[/]",
    "none": "[green]private[/]",
}
TOP_OBJECTS = 10
TOP_SKIPPED = 10
TOP_TYPES_PER_OBJECT = 3  # the rest are in the reports


def _sev(s: str | None) -> Text:
    s = s or "info"
    return Text(s.upper(), style=SEV_STYLE.get(s, ""))


def _level(b: Mapping[str, Any]) -> str:
    lvl = b.get("exposure_level")
    if not lvl:
        from phiscope.impact.severity import exposure_level

        lvl = exposure_level(b.get("exposure"))
    return str(lvl)


def _human_bytes(n: int | float | None) -> str:
    v = float(n or 0)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if v < 1024 or unit == "TB":
            return f"{v:.0f} {unit}" if unit == "B" else f"{v:.1f} {unit}"
        v /= 1024
    return f"{v:.1f} TB"


def headline(report: ReportV1) -> dict[str, Any]:
    """The numbers every human-facing format leads with (HTML and terminal share them)."""
    buckets = report.get("buckets") or []
    impact = report.get("impact") or {}
    exposed = [b for b in buckets if _level(b) in ("public", "authenticated")]
    types: Counter[str] = Counter()
    for b in buckets:
        types.update(b.get("detections_by_type") or {})
    objects = report.get("objects") or []
    return {
        "buckets": len(buckets),
        "exposed_buckets": len(exposed),
        "public_buckets": sum(1 for b in exposed if _level(b) == "public"),
        "objects_with_data": sum(1 for o in objects if o.get("detections")),
        "phi_objects": sum(1 for o in objects if o.get("contains_phi") and o.get("health")),
        "detections": sum(types.values()),
        "people_affected": int(impact.get("people_affected") or 0),
        "people_exposed": int(
            impact.get("people_exposed") or sum(b.get("people_affected") or 0 for b in exposed)
        ),
        "obligations": len(impact.get("obligations") or []),
        "severity": impact.get("severity") or "info",
        "unverified_buckets": sum(1 for b in buckets if b.get("verdict") == "could_not_verify"),
    }


def short_how(exp: dict[str, Any]) -> str:
    """Where the exposure comes from, in a few words (`policy: Principal *`, `ACL: AllUsers READ`,
    `live probe`); the long explanation stays in the reports."""
    out: list[str] = []
    evidence = [e for e in exp.get("evidence") or [] if isinstance(e, dict) and e.get("effect") == "grants"]
    to_anyone = {e.get("index") for e in evidence if e.get("audience") == "anonymous"}
    for e in evidence:
        if e.get("kind") == "policy_statement":
            if e.get("audience") == "any_aws_account" and e.get("index") in to_anyone:
                continue  # the same statement already reaches anyone
            txt = str(e.get("text") or "")
            anyone = e.get("audience") == "anonymous" or "Principal" in txt or "anyone" in txt
            item = f"policy: {'Principal *' if anyone else 'any AWS account'}"
        elif e.get("kind") == "acl_grant":
            item = f"ACL: {e.get('grantee')} {e.get('permission')}" + (
                " (object)" if e.get("level") == "object" else ""
            )
        else:
            continue
        if item not in out:
            out.append(item)
    if any(str(r).startswith("LIVE:") for r in exp.get("reasons") or []) or (
        exp.get("probe") and not exp.get("evidence")
    ):
        out.append("live probe")
    return "; ".join(out[:3])


_SHORT_LEVEL = {"authenticated": "[red]any account[/]"}
_WHO = {"anonymous": "anyone", "any_aws_account": "AWS accounts"}


def _kinds_text(kinds: list[str]) -> str:
    """`anonymous:list, anonymous:read` -> `anyone: list, read` (one line per audience)."""
    by: dict[str, list[str]] = {}
    for k in kinds:
        aud, _, cap = k.partition(":")
        by.setdefault(aud, []).append(cap)
    return "\n".join(f"{_WHO.get(a, a)}: {', '.join(caps)}" for a, caps in by.items())


def _buckets_table(report: ReportV1, width: int = 120) -> Table:
    t = Table(title="Buckets", title_justify="left", expand=True, show_lines=False)
    t.add_column("Severity", no_wrap=True)
    t.add_column("Bucket", overflow="fold", ratio=1, min_width=12)
    t.add_column("Exposure", no_wrap=True, min_width=10)
    t.add_column("How", overflow="fold", ratio=1, min_width=16)
    t.add_column("People", justify="right", no_wrap=True)
    wide = width >= 110
    if wide:
        t.add_column("Data", ratio=2, min_width=10)
    for b in report.get("buckets") or []:
        exp = b.get("exposure") or {}
        kinds = exposure_kinds(exp)
        verdict = b.get("verdict")
        if verdict == "could_not_verify":
            level = "[bold yellow]UNVERIFIED[/]"
            how = f"[yellow]could not verify: {b.get('verdict_cause') or 'unknown'}[/]"
        else:
            level = _SHORT_LEVEL.get(_level(b)) or LEVEL_TEXT.get(_level(b), _level(b))
            if verdict == "local":
                level = "[dim]local[/]"
            how = _kinds_text(kinds) or ("latent" if exp.get("latent") else "—")
            src = short_how(exp) if kinds else ""
            if src:
                how += f"\n[dim]{src}[/]"
            if exp.get("muted"):
                how += f"\n[magenta]muted: {exp['muted'].get('reason')}[/]"
            if b.get("exposure_errors") and verdict != "local":
                how += f"\n[yellow]unverified: {len(b['exposure_errors'])} setting(s) unread[/]"
        people = f"{b.get('people_affected') or 0:,}"
        est = b.get("people_estimate") if b.get("sampled") else None
        if est:  # a sample: the whole bucket's estimate and its 95 % interval (docs/sampling.md)
            people += f"\n[dim]est. {est['value']:,} ({est['low']:,}–{est['high']:,})[/]"
        row: list[Any] = [
            _sev(b.get("severity")),
            printable(b["name"]) + (f"\n[dim]account {b['account_id']}[/]" if b.get("account_id") else ""),
            level,
            how,
            people,
        ]
        if wide:
            row.append(", ".join(b.get("categories") or []) or "—")
        t.add_row(*row)
    return t


def _types_table(report: ReportV1) -> Table:
    types: Counter[str] = Counter()
    for b in report.get("buckets") or []:
        types.update(b.get("detections_by_type") or {})
    t = Table(title="Sensitive data found, by type", title_justify="left")
    t.add_column("Type")
    t.add_column("Occurrences", justify="right")
    for k, n in types.most_common(15):
        t.add_row(k, f"{n:,}")
    if len(types) > 15:
        t.add_row(f"[dim]… {len(types) - 15} more types[/]", "")
    return t


def _top_objects(report: ReportV1) -> Table:
    objs = [o for o in report.get("objects") or [] if o.get("detections")]
    rows = {b["name"]: b for b in report.get("buckets") or []}
    exposure = {b["name"]: _level(b) for b in report.get("buckets") or []}
    rank = {"public": 3, "authenticated": 2, "latent": 1, "none": 0}
    objs.sort(
        key=lambda o: (
            -rank.get(exposure.get(o["bucket"], "none"), 0),
            -(bool(o.get("contains_phi")) and bool(o.get("health"))),
            -sum(d.get("count") or 0 for d in o["detections"]),
        )
    )
    t = Table(title=f"Top objects (of {len(objs):,} with findings)", title_justify="left", expand=True)
    t.add_column("Object", overflow="fold", ratio=3)
    t.add_column("Exposure", no_wrap=True)
    t.add_column("Found", overflow="fold", ratio=2)
    for o in objs[:TOP_OBJECTS]:
        dets = sorted(o["detections"], key=lambda d: -(d.get("count") or 0))
        found = ", ".join(f"{d['type']}×{d.get('count', 0)}" for d in dets[:TOP_TYPES_PER_OBJECT])
        if len(dets) > TOP_TYPES_PER_OBJECT:
            found += f" +{len(dets) - TOP_TYPES_PER_OBJECT} more"
        t.add_row(
            printable(object_uri(rows.get(o["bucket"]), o["bucket"], o["key"])),
            LEVEL_TEXT.get(exposure.get(o["bucket"], "none"), ""),
            found,
        )
    return t


def _uri(report: ReportV1, bucket: str, key: str) -> str:
    from phiscope.storage.providers import object_uri, provider_of

    row: Mapping[str, Any] = next((b for b in report.get("buckets") or [] if b.get("name") == bucket), {})
    return object_uri(
        str(row.get("provider") or provider_of(row.get("endpoint"))), row.get("endpoint"), bucket, key
    )


def _coverage(report: ReportV1) -> Group:
    scan = report.get("scan") or {}
    cov = scan.get("coverage") or {}
    sc = scan.get("status_counts") or {}
    line = Text.from_markup(
        f"Coverage: [bold]{cov.get('objects_scanned', 0):,}[/] of {cov.get('objects_listed', 0):,} objects "
        f"({_human_bytes(cov.get('bytes_scanned'))} of {_human_bytes(cov.get('bytes_listed'))})"
        + (" [yellow](sampled)[/]" if cov.get("sampled") else "")
        + f" — complete {sc.get('complete', 0):,}, partial {sc.get('partial', 0):,}, "
        f"[{'yellow' if sc.get('skipped') else 'green'}]skipped {sc.get('skipped', 0):,}[/]"
    )
    parts: list[Any] = [line]
    not_done = [o for o in report.get("objects") or [] if o.get("status") in ("skipped", "partial")]
    rows = {b["name"]: b for b in report.get("buckets") or []}
    if not_done:
        reasons: Counter[str] = Counter(
            f"{o['status']}: {o.get('reason') or 'no reason given'}" for o in not_done
        )
        t = Table(title="Not fully scanned", title_justify="left")
        t.add_column("Status: reason", overflow="fold")
        t.add_column("Objects", justify="right")
        t.add_column("Example", overflow="fold")
        examples: dict[str, str] = {}
        for o in not_done:
            examples.setdefault(
                f"{o['status']}: {o.get('reason') or 'no reason given'}",
                printable(object_uri(rows.get(o["bucket"]), o["bucket"], o["key"])),
            )
        for r, n in reasons.most_common(TOP_SKIPPED):
            t.add_row(r, f"{n:,}", examples[r])
        parts.append(t)
    return Group(*parts)


def _obligations(report: ReportV1, width: int = 120) -> Table | Text:
    obs = (report.get("impact") or {}).get("obligations") or []
    if not obs:
        return Text("No notification obligation triggered.", style="green")
    wide = width >= 110  # the "why" sentence only where it fits; it is in every report anyway
    t = Table(title="Obligations triggered", title_justify="left", expand=True)
    t.add_column("Rule", no_wrap=True)
    t.add_column("What", ratio=2)
    t.add_column("Deadline", no_wrap=not wide)
    if wide:
        t.add_column("Why", ratio=2)
    for o in obs:
        dl = str(o.get("deadline") or "without undue delay")
        if not wide:
            dl = dl[:10] if dl[:4].isdigit() else dl
        if o.get("deadline_days") is not None:
            dl = f"{dl} ({o['deadline_days']} d)"
        row = [f"[bold]{o.get('id')}[/]", o.get("title") or "", dl]
        if wide:
            row.append(o.get("why") or "")
        t.add_row(*row)
    return t


def print_summary(report: ReportV1, console: Console | None = None) -> None:
    console = console or Console()
    h = headline(report)
    scan = report.get("scan") or {}
    sev = h["severity"]
    head = Text.assemble(
        ("PHIscope ", "bold"),
        (f"scan {scan.get('id', '?')}  ", "dim"),
        "overall ",
        _sev(sev),
        "\n",
        (f"{h['exposed_buckets']}", "bold red" if h["exposed_buckets"] else "bold green"),
        f" of {h['buckets']} bucket(s) exposed ({h['public_buckets']} public) · ",
        (f"{h['detections']:,}", "bold"),
        f" sensitive values in {h['objects_with_data']:,} objects ({h['phi_objects']:,} with PHI) · ",
        (f"{h['people_affected']:,}", "bold"),
        f" people affected ({h['people_exposed']:,} in exposed buckets) · ",
        (f"{h['obligations']}", "bold yellow" if h["obligations"] else "bold green"),
        " obligation(s)",
    )
    if h["unverified_buckets"]:
        head.append(f"\n{h['unverified_buckets']} bucket(s) COULD NOT BE VERIFIED", style="bold yellow")
    border = "red" if sev_rank(sev) >= 3 else "yellow" if sev_rank(sev) == 2 else "green"
    console.print(Panel(head, border_style=border))
    if report.get("buckets"):
        console.print(_buckets_table(report, console.width))
    if h["detections"]:
        console.print(_types_table(report))
        console.print(_top_objects(report))
    console.print(_coverage(report))
    console.print(_obligations(report, console.width))
