"""`phiscope fix plan|apply|rollback` and `phiscope incident`.

Heavy imports (boto3, SQLAlchemy, the exposure engine, reportlab) happen inside the commands so
`phiscope --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from phiscope.remediate import cloud  # az:// and gs:// (stdlib-only at import time)

app = typer.Typer(
    help="Close an exposure safely: plan, apply with backup, verify, roll back.", no_args_is_help=True
)


def _err(msg: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {msg}", err=True)
    return typer.Exit(code)


def bucket_name(target: str) -> str:
    """'s3://bucket/prefix' or 'bucket' -> 'bucket'."""
    t = target.strip()
    if t.startswith("s3://"):
        t = t[5:]
    name = t.split("/", 1)[0]
    if not name:
        raise ValueError(f"not a bucket: {target!r}")
    return name


# -- mutelist -------------------------------------------------------------------------------------


def load_muter(path: Path | None) -> Callable[[str, list[str]], list[str]] | None:
    """A function (bucket, exposures) -> the muted exposures, from a mutelist file.

    Uses the report's mutelist (docs/report-formats.md: `mutelist:` entries with bucket globs,
    optional `exposure` globs, a reason and an expiry). Raises ValueError on a bad file.
    """
    if path is None:
        return None
    from phiscope.report.mutelist import load_mutelist

    ml = load_mutelist(path)

    def muted(bucket: str, exposures: list[str]) -> list[str]:
        return [e for e in exposures if ml.match(bucket=bucket, exposure=e) is not None]

    return muted


# -- plan -----------------------------------------------------------------------------------------


def _account_id(profile: str | None, endpoint_url: str | None) -> str | None:
    """The caller's account id via STS (None when the endpoint has no STS)."""
    from phiscope.storage.s3 import make_client

    try:
        sts = make_client("sts", endpoint_url=endpoint_url, profile=profile, retries={"max_attempts": 1})
        return str(sts.get_caller_identity()["Account"])
    except Exception:
        return None


def list_keys(s3: Any, bucket: str, limit: int) -> tuple[list[str], bool]:
    """Up to `limit` object keys, and whether that is all of them."""
    keys: list[str] = []
    token: str | None = None
    while True:
        kw: dict[str, Any] = {"Bucket": bucket, "MaxKeys": min(1000, limit + 1 - len(keys))}
        if token:
            kw["ContinuationToken"] = token
        resp = s3.list_objects_v2(**kw)
        keys.extend(o["Key"] for o in resp.get("Contents", []))
        if len(keys) > limit:
            return keys[:limit], False
        if not resp.get("IsTruncated"):
            return keys, True
        token = resp.get("NextContinuationToken")


def make_plan(
    buckets: list[str],
    *,
    endpoint_url: str | None = None,
    profile: str | None = None,
    account_level: bool = False,
    account_id: str | None = None,
    mutelist: Path | None = None,
    scan_id: str | None = None,
    max_objects: int = 1000,
    s3: Any = None,
    s3control: Any = None,
) -> dict[str, Any]:
    """Collect a snapshot per bucket and plan its fix (the library face of `fix plan`)."""
    from phiscope.exposure.evaluate import evaluate_snapshot
    from phiscope.exposure.snapshot import collect_snapshot
    from phiscope.remediate.apply import make_s3control
    from phiscope.remediate.plan import build_plan
    from phiscope.storage.s3 import make_client

    s3 = s3 or make_client("s3", endpoint_url=endpoint_url, profile=profile)
    account_id = account_id or _account_id(profile, endpoint_url)
    if s3control is None and account_id:
        s3control = make_s3control(endpoint_url, profile)
    muter = load_muter(mutelist)
    snapshots, complete = [], {}
    failed: dict[str, str] = {}
    for b in buckets:
        try:
            keys, complete[b] = list_keys(s3, b, max_objects)
        except Exception as e:
            keys, complete[b] = [], False
            typer.echo(f"warning: cannot list s3://{b}: {type(e).__name__}: {e}", err=True)
        try:
            snap = collect_snapshot(
                s3,
                b,
                s3control=s3control,
                account_id=account_id,
                object_keys=keys,
                max_object_acls=max_objects,
            )
        except Exception as e:  # no such bucket, endpoint unreachable: reported per bucket
            failed[b] = f"could not verify: {e}"
            continue
        unreadable = settings_unreadable(snap)
        if unreadable:  # no credentials / all denied: never "not_exposed"
            failed[b] = f"could not verify: {unreadable}"
            continue
        snapshots.append(snap)
    plan = build_plan(
        snapshots,
        evaluate_snapshot,
        account_level=account_level,
        account_id=account_id,
        muted=muter,
        complete_acls=lambda name: complete.get(name, False),
        scan_id=scan_id,
        endpoint_url=endpoint_url,
        profile=profile,
    )
    for b, why in failed.items():
        plan["buckets"].append(
            {"bucket": b, "status": "error", "exposure": [], "changes": [], "notes": [f"no snapshot: {why}"]}
        )
    return plan


def require_credentials(buckets: list[str], profile: str | None) -> None:
    """Owner-side commands read the bucket settings: without credentials nothing can be verified."""
    from phiscope.storage.s3 import has_credentials

    if not has_credentials(profile):
        typer.echo(
            f"error: could not verify s3://{buckets[0]}"
            + (f" (and {len(buckets) - 1} more)" if len(buckets) > 1 else "")
            + ": no credentials found (reading bucket settings needs the owner's credentials: "
            "configure AWS credentials or --profile)",
            err=True,
        )
        raise typer.Exit(1)


def settings_unreadable(snap: dict[str, Any]) -> str | None:
    """Why the bucket's exposure cannot be judged from this snapshot (ACL and policy both unread)."""
    errs = {str(e.get("operation")): e for e in snap.get("errors") or [] if isinstance(e, dict)}
    if "GetBucketAcl" in errs and "GetBucketPolicy" in errs:
        code = str(errs["GetBucketAcl"].get("code") or "error")
        if code in ("NoCredentialsError", "PartialCredentialsError"):
            return "no credentials found (configure AWS credentials or --profile)"
        return f"every settings read failed ({code}); grant the read permissions in docs/permissions.md"
    return None


def _report_exposed(db_url: str | None, scan_id: str) -> tuple[list[str], str | None]:
    from phiscope.remediate.incident import exposed_buckets
    from phiscope.scan.report import load_report

    report = load_report(db_url, scan_id)
    return [b["name"] for b in exposed_buckets(report)], (report.get("scan") or {}).get("endpoint")


def print_plan_summary(plan: dict[str, Any]) -> None:
    for c in plan.get("account_changes") or []:
        typer.echo(f"account: {c['action']}: {c['why']}", err=True)
    for b in plan.get("buckets") or []:
        if b.get("status") == "error":
            continue  # one `error:` line each, printed by the command
        exp = ", ".join(b.get("exposure") or []) or "-"
        typer.echo(f"s3://{b['bucket']}: {b['status']} (exposure: {exp})", err=True)
        for c in b.get("changes") or []:
            typer.echo(f"  {c['id']} {c['action']}: {c['why']}", err=True)
        for n in b.get("notes") or []:
            typer.echo(f"  note: {n}", err=True)


@app.command("plan")
def plan_command(
    targets: list[str] = typer.Argument(
        None, help="s3://BUCKET ... (default: the exposed buckets of --scan)"
    ),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url", help="S3-compatible endpoint URL."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile."),
    account_level: bool = typer.Option(
        False, "--account-level", help="Block Public Access for the whole account instead of per bucket."
    ),
    account_id: str | None = typer.Option(None, "--account-id", help="Account id (default: from STS)."),
    mutelist: Path | None = typer.Option(None, "--mutelist", help="Intentionally public buckets (YAML)."),
    scan: str | None = typer.Option(None, "--scan", help="Scan id whose exposed buckets to plan for."),
    db: str | None = typer.Option(None, "--db", help="Findings database URL (with --scan)."),
    max_objects: int = typer.Option(1000, "--max-objects", help="Object ACLs to read per bucket."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the plan JSON here."),
) -> None:
    """Plan the minimal changes that remove public exposure, each explained."""
    if targets and any(cloud.is_cloud_target(t) for t in targets):
        raise typer.Exit(cloud.plan_command(targets, account_level=account_level, output=output))
    try:
        names = [bucket_name(t) for t in targets or []]
    except ValueError as e:
        raise _err(str(e)) from None
    if scan:
        try:
            exposed, scan_endpoint = _report_exposed(db, scan)
        except Exception as e:
            raise _err(f"cannot load scan {scan}: {type(e).__name__}: {e}") from None
        names = names or exposed
        endpoint_url = endpoint_url or scan_endpoint
    if not names:
        raise _err("no bucket to plan for (give s3://BUCKET or --scan with exposed buckets)")
    require_credentials(names, profile)
    try:
        plan = make_plan(
            names,
            endpoint_url=endpoint_url,
            profile=profile,
            account_level=account_level,
            account_id=account_id,
            mutelist=mutelist,
            scan_id=scan,
            max_objects=max_objects,
        )
    except ValueError as e:
        raise _err(str(e)) from None
    from phiscope.remediate.signing import sign

    plan = sign(plan)  # apply refuses a plan changed after this point
    if db or scan:
        from phiscope.db import remediation as rdb

        rdb.save_plan(rdb.engine_for(db), plan)
    text = json.dumps(plan, indent=2, sort_keys=False, default=str)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"plan written to {output}", err=True)
    else:
        sys.stdout.write(text + "\n")
    print_plan_summary(plan)
    errors = [b for b in plan["buckets"] if b["status"] == "error"]
    for b in errors:
        note = "; ".join(b.get("notes") or []).removeprefix("no snapshot: ")
        typer.echo(f"error: s3://{b['bucket']}: {note}", err=True)
    if errors:
        raise typer.Exit(1)
    if any(b["status"] in ("planned", "needs_review") for b in plan["buckets"]):
        raise typer.Exit(3)  # exposure found (and a fix planned): the contract's "findings"


# -- apply / rollback -----------------------------------------------------------------------------


def _load_plan(path: Path) -> dict[str, Any]:
    from phiscope.remediate.plan import validate_plan

    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise _err(f"cannot read plan {path}: {e}") from None
    problems = validate_plan(plan)
    if problems:
        raise _err(f"{path}: " + "; ".join(problems))
    from phiscope.remediate.plan import plan_changes
    from phiscope.remediate.signing import TamperedFile, verify, widening

    try:
        verify(plan, f"plan {path}")
    except TamperedFile as e:
        raise _err(str(e), 1) from None
    wider = [f"{c.get('id')}: {w}" for c in plan_changes(plan) if (w := widening(c))]
    if wider:
        raise _err(f"plan {path} would widen access ({'; '.join(wider)}): refused, nothing changed", 1)
    return dict(plan)


@app.command("apply")
def apply_command(
    plan_file: Path = typer.Argument(..., help="PLAN.json from `phiscope fix plan`"),
    yes: bool = typer.Option(False, "--yes", help="Really apply (default: dry run, changes nothing)."),
    backup_dir: Path | None = typer.Option(None, "--backup-dir", help="Where to write the backup JSON."),
    db: str | None = typer.Option(None, "--db", help="Database URL for backups and verification results."),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url", help="Override the plan's endpoint."),
    profile: str | None = typer.Option(None, "--profile", help="Override the plan's AWS profile."),
    probe: bool = typer.Option(True, "--probe/--no-probe", help="Run the anonymous probe when verifying."),
    trust_probe: bool | None = typer.Option(
        None,
        "--trust-probe/--no-trust-probe",
        help="Let the probe decide the verdict (default: only on AWS, where access control is enforced).",
    ),
) -> None:
    """Apply a plan: back up, change, then verify from outside (dry run unless --yes)."""
    from phiscope.remediate.apply import apply_plan, make_s3control
    from phiscope.remediate.verify import verify_bucket
    from phiscope.storage.s3 import make_client

    if cloud.is_cloud_file(plan_file):
        raise typer.Exit(cloud.apply_command(plan_file, yes=yes, backup_dir=backup_dir))
    plan = _load_plan(plan_file)
    endpoint_url = endpoint_url or plan.get("endpoint_url")
    profile = profile or plan.get("profile")
    s3 = make_client("s3", endpoint_url=endpoint_url, profile=profile)
    account_id = plan.get("account_id")
    s3control = make_s3control(endpoint_url, profile) if account_id else None
    from phiscope.remediate.signing import more_exposed_after

    opened = more_exposed_after(plan, s3, s3control, account_id)  # post-state evaluated first
    if opened:
        raise _err(f"plan {plan_file} is not reducing ({'; '.join(opened)}): refused, nothing changed", 1)
    engine = None
    if yes:
        from phiscope.db import remediation as rdb

        engine = rdb.engine_for(db)

    def verify(bucket: str, keys: list[str]) -> dict[str, Any]:
        return verify_bucket(
            s3,
            bucket,
            s3control=s3control,
            account_id=account_id,
            object_keys=keys or None,
            endpoint_url=endpoint_url,
            probe=probe,
            trust_probe=trust_probe,
        )

    run = apply_plan(
        plan,
        s3,
        s3control=s3control,
        yes=yes,
        backup_dir=backup_dir or plan_file.resolve().parent,
        engine=engine,
        verify=verify,
        echo=typer.echo,
    )
    for e in run.errors:
        typer.echo(f"error: {e}", err=True)
    if run.dry_run:
        raise typer.Exit(0)
    if run.backup_path:
        typer.echo(f"roll back with: phiscope fix rollback {run.backup_path} --yes")
    raise typer.Exit(0 if run.ok and not run.skipped_buckets else 1)


@app.command("rollback")
def rollback_command(
    backup_file: Path = typer.Argument(..., help="BACKUP.json written by `phiscope fix apply --yes`"),
    yes: bool = typer.Option(False, "--yes", help="Really restore (default: dry run)."),
    db: str | None = typer.Option(None, "--db", help="Database URL to record the rollback in."),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url", help="Override the backup's endpoint."),
    profile: str | None = typer.Option(None, "--profile", help="Override the backup's AWS profile."),
) -> None:
    """Restore the exact previous configuration saved before a fix."""
    from phiscope.remediate.apply import load_backup, make_s3control, rollback
    from phiscope.remediate.signing import TamperedFile
    from phiscope.storage.s3 import make_client

    if cloud.is_cloud_file(backup_file):
        raise typer.Exit(cloud.rollback_command(backup_file, yes=yes))
    try:
        backup = load_backup(backup_file)
    except TamperedFile as e:
        raise _err(str(e), 1) from None
    except ValueError as e:
        raise _err(str(e)) from None
    endpoint_url = endpoint_url or backup.get("endpoint_url")
    profile = profile or backup.get("profile")
    s3 = make_client("s3", endpoint_url=endpoint_url, profile=profile)
    s3control = make_s3control(endpoint_url, profile) if backup.get("account") else None
    from phiscope.remediate.apply import read_bucket_config
    from phiscope.remediate.signing import bound_to_run, rollback_diff

    for line in rollback_diff(backup, lambda b, keys: read_bucket_config(s3, b, keys)):
        typer.echo(line)  # what would change, before anything does
    engine = None
    if yes:
        from phiscope.db import remediation as rdb

        engine = rdb.engine_for(db)
        unbound = bound_to_run(backup, engine)
        if unbound:
            raise _err(f"{unbound}: refused, nothing changed", 1)
    steps = rollback(backup, s3, s3control=s3control, yes=yes, engine=engine, echo=typer.echo)
    raise typer.Exit(1 if any(s["status"] == "rollback_failed" for s in steps) else 0)


# -- incident -------------------------------------------------------------------------------------


def incident_command(
    scan_id: str = typer.Argument(..., help="scan id"),
    db: str | None = typer.Option(None, "--db", help="Findings database URL."),
    report: Path | None = typer.Option(None, "--report", help="phiscope-report.json instead of the DB."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the Markdown here."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Also write a PDF rendering here."),
    ours: bool | None = typer.Option(
        None, "--ours/--not-ours", help="Whose bucket it is (default: owner-mode scans are ours)."
    ),
) -> None:
    """Write the breach-file report for a scan: what, how, how many people, deadlines."""
    from phiscope.remediate.incident import render_incident

    notes: list[str] = []
    if report is not None:
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise _err(f"cannot read report {report}: {e}") from None
        if not isinstance(data, dict) or not str(data.get("schema", "")).startswith("phiscope/report/"):
            raise _err(f"{report} is not a PHIscope report (schema phiscope/report/v1)")
        found = (data.get("scan") or {}).get("id")
        if found != scan_id:
            raise _err(f"{report} is scan {found!r}, not {scan_id!r}")
    else:
        try:
            from phiscope.scan.report import load_report
        except ImportError:
            raise _err("this build cannot read scans from the database; use --report PATH") from None
        try:
            data = load_report(db, scan_id)
        except Exception as e:
            raise _err(f"cannot load scan {scan_id}: {type(e).__name__}: {e}") from None
    history = _history(db, data, notes)
    md = render_incident(data, history, ours=ours, notes=notes)
    if output:
        output.write_text(md, encoding="utf-8")
        typer.echo(f"incident report written to {output}", err=True)
    else:
        sys.stdout.write(md)
    if pdf:
        from phiscope.remediate.incident import markdown_to_pdf

        markdown_to_pdf(md, str(pdf))
        typer.echo(f"PDF written to {pdf}", err=True)


def _history(db: str | None, report: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    from phiscope.remediate.incident import exposed_buckets

    try:
        from phiscope.db import remediation as rdb

        engine = rdb.engine_for(db)
        return {b["name"]: rdb.bucket_history(engine, b["name"]) for b in exposed_buckets(report)}
    except Exception as e:
        notes.append(f"remediation history unavailable ({type(e).__name__}); timeline shows the scan only")
        return {}
