"""`phiscope scan` and `phiscope demo`: options in, scan run, reports out, exit code."""

from __future__ import annotations

from pathlib import Path

import typer

from phiscope.report.render import FORMATS
from phiscope.scan.run import preflight_output_dir, run_and_report, write_outputs


def _formats(value: str) -> list[str]:
    out = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in out if f not in FORMATS]
    if bad:
        raise typer.BadParameter(
            f"unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}", param_hint="'--format'"
        )
    return out


def check_fail_on(value: str) -> str:
    """--fail-on, validated when the options are parsed (before any work)."""
    from phiscope.report.findings import LEVELS

    v = (value or "").strip().lower()
    if v not in LEVELS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(reversed(LEVELS))}")
    return v


def check_sample(value: str | None) -> str | None:
    from phiscope.scan.sampling import parse_budget

    try:
        parse_budget(value)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    return value


def check_endpoint(value: str | None) -> str | None:
    """An S3 endpoint URL must be http(s)://host[:port]; `htp://...` is a usage error, not a scan."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    try:
        u = urlsplit(value)
        port_ok = u.port is None or 0 < u.port < 65536
    except ValueError:
        port_ok = False
        u = urlsplit("")
    if u.scheme not in ("http", "https") or not u.hostname or not port_ok:
        raise typer.BadParameter(f"{value!r} is not an http(s)://HOST[:PORT] URL")
    return value


def check_profile(value: str | None) -> str | None:
    """A named AWS profile must exist: a typo must not silently fall back to anonymous mode."""
    if value is None:
        return None
    import boto3

    if value not in boto3.session.Session().available_profiles:
        raise typer.BadParameter(f"AWS profile {value!r} not found in the AWS config/credentials files")
    return value


def check_targets(targets: list[str] | None) -> list[str]:
    """s3://BUCKET[/PREFIX], s3:// (every bucket), az://ACCOUNT/CONTAINER, gs://BUCKET, a folder, a
    file or file://PATH."""
    from phiscope.storage.targets import is_url_target, parse_url_target

    for t in targets or []:
        if t.startswith("s3://"):
            continue
        if is_url_target(t):
            try:
                parse_url_target(t)
            except ValueError as e:
                raise typer.BadParameter(str(e), param_hint="'TARGETS'") from None
            continue
        if "://" in t and not t.startswith("file://"):
            raise typer.BadParameter(
                f"{t!r}: unsupported scheme (use s3://, az://ACCOUNT/CONTAINER, gs://, a folder or a file)",
                param_hint="'TARGETS'",
            )
        if not Path(t[7:] if t.startswith("file://") else t).exists():
            raise typer.BadParameter(f"{t!r}: no such file or folder", param_hint="'TARGETS'")
    return list(targets or [])


def check_mutelist(value: Path | None) -> Path | None:
    if value is None:
        return None
    from phiscope.report.mutelist import load_mutelist

    try:
        load_mutelist(value)
    except (OSError, ValueError) as e:
        raise typer.BadParameter(f"{value}: {e}") from None
    return value


def scan_command(
    targets: list[str] = typer.Argument(
        None,
        help="s3://bucket, s3://bucket/prefix, s3:// (all), az://ACCOUNT/CONTAINER, gs://bucket, a path",
    ),
    endpoint_url: str | None = typer.Option(
        None, "--endpoint-url", help="S3-compatible endpoint URL", callback=check_endpoint
    ),
    profile: str | None = typer.Option(
        None, "--profile", help="AWS profile (standard credential chain)", callback=check_profile
    ),
    region: str | None = typer.Option(None, "--region"),
    path_style: bool | None = typer.Option(None, "--path-style/--virtual-hosted", help="Addressing style"),
    anonymous: bool = typer.Option(False, "--anonymous", help="Unsigned requests only (attacker's view)"),
    output_dir: Path = typer.Option(Path("phiscope-output"), "--output-dir", "-o"),
    fmt: str = typer.Option(
        "json,html,summary", "--format", "-M", help=f"Comma list of {', '.join(FORMATS)}"
    ),
    db: str | None = typer.Option(None, "--db", help="Findings DB URL (default: SQLite in the data dir)"),
    sample: str | None = typer.Option(
        None, "--sample", help="Budget per bucket: 500 | 10% | 2GB", callback=check_sample
    ),
    full: bool = typer.Option(False, "--full", help="Scan every object (no sampling)"),
    max_objects: int | None = typer.Option(None, "--max-objects", min=0, help="At most N objects per bucket"),
    inventory: str | None = typer.Option(
        None, "--inventory", help="S3 Inventory manifest instead of listing"
    ),
    resume: str | None = typer.Option(None, "--resume", help="Continue an interrupted scan by id"),
    no_ocr: bool = typer.Option(False, "--no-ocr", help="Do not OCR images and scanned pages"),
    no_audio: bool = typer.Option(False, "--no-audio", help="Do not transcribe recordings"),
    audio_max_seconds: float | None = typer.Option(None, "--audio-max-seconds"),
    asr_model: Path | None = typer.Option(
        None, "--asr-model", help="Speech-to-text model: directory, key (base, tiny.en) or FIRST+REFINE"
    ),
    workers: int = typer.Option(0, "--workers", min=0, help="Worker processes (default: one per core)"),
    object_timeout: float = typer.Option(
        120.0, "--object-timeout", min=0.001, help="Per-object time budget, seconds"
    ),
    max_object_size: int = typer.Option(
        2 * 1024**3, "--max-object-size", min=0, help="Skip larger objects (bytes)"
    ),
    scan_deadline: float | None = typer.Option(
        None,
        "--scan-deadline",
        min=1,
        help="Whole-scan time limit, seconds: objects not done by then are skipped",
    ),
    worker_memory: int = typer.Option(
        4 * 1024**3, "--worker-memory", min=0, help="Address-space limit per worker process, bytes (0: none)"
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary (errors still shown)"),
    log_json: str | None = typer.Option(None, "--log-json", help="Write JSON-lines events to this file"),
    mutelist: Path | None = typer.Option(
        None, "--mutelist", help="YAML file of muted findings", callback=check_mutelist
    ),
    fail_on: str = typer.Option(
        "high", "--fail-on", help="Exit 3 on findings at/above this severity", callback=check_fail_on
    ),
    ignore_exit_code_3: bool = typer.Option(False, "--ignore-exit-code-3"),
    live_probe: bool = typer.Option(
        True,
        "--live-probe/--no-live-probe",
        help="With credentials, also try what anyone can do (a live success overrides the settings)",
    ),
    org_role: str | None = typer.Option(
        None, "--org-role", help="Scan every account of the AWS Organization by assuming this role in each"
    ),
    accounts: str | None = typer.Option(None, "--accounts", help="With --org-role: only these ids/names"),
    exclude_accounts: str | None = typer.Option(
        None, "--exclude-accounts", help="With --org-role: skip these"
    ),
    executor: str = typer.Option("local", "--executor", help="local (process pool) | ray (phiscope[ray])"),
    ray_address: str | None = typer.Option(None, "--ray-address", help="Ray cluster: auto | HOST:PORT"),
    batch_objects: int = typer.Option(
        64, "--batch-objects", min=1, help="Small objects per worker task (1: each object alone)"
    ),
) -> None:
    """Scan buckets, a folder or a file: who can reach them, what sensitive data is inside, how many people.

    Exit codes: 0 nothing at/above --fail-on, 3 findings at/above it, 1 error or could not verify,
    2 usage, 130 interrupted (resume with --resume SCAN_ID)."""
    from phiscope.contract import CliError, UsageError
    from phiscope.db.store import Store
    from phiscope.scan.pipeline import ScanConfig, prestarted_pool

    formats = _formats(fmt)
    targets = check_targets(targets)
    if not resume and not targets and not org_role:
        raise UsageError("give at least one target (s3://BUCKET, s3:// for every bucket, a folder or a file)")
    bad_output = preflight_output_dir(output_dir)
    if bad_output:
        typer.echo(f"error: cannot write reports: {bad_output}", err=True)
        raise typer.Exit(1)
    if executor not in ("local", "ray"):
        raise UsageError(f"--executor must be local or ray, not {executor!r}")
    if asr_model is not None:
        from phiscope.extract.media import set_asr_model

        set_asr_model(asr_model)  # sets PHISCOPE_ASR_MODEL, inherited by worker processes

    def open_store() -> Store:
        try:
            return Store.open(db)
        except Exception as e:
            raise CliError(
                f"cannot open the findings database ({type(e).__name__})", hint="check --db"
            ) from None

    pool = None
    if resume:
        store = open_store()
        prev = store.get_scan(resume)
        if prev is None:
            raise UsageError(f"no scan {resume!r} in the database to resume (see `phiscope scans`)")
        opts = dict(prev["options"])
        cfg = ScanConfig(**{k: v for k, v in opts.items() if k in ScanConfig.__dataclass_fields__})
        cfg.resume, cfg.log_json = resume, log_json
    else:
        if org_role and not targets:
            targets = ["s3://"]
        cfg = ScanConfig(
            targets=list(targets),
            endpoint_url=endpoint_url,
            profile=profile,
            region=region,
            path_style=path_style,
            anonymous=True if anonymous else None,
            sample=sample,
            full=full,
            max_objects=max_objects,
            inventory=inventory,
            ocr=not no_ocr,
            audio=not no_audio,
            audio_max_seconds=audio_max_seconds,
            workers=workers,
            object_timeout=object_timeout,
            scan_deadline=scan_deadline,
            worker_memory=worker_memory or None,
            max_object_bytes=max_object_size,
            log_json=log_json,
            live_probe=live_probe,
            org_role=org_role,
            accounts=accounts,
            exclude_accounts=exclude_accounts,
            executor=executor,
            ray_address=ray_address,
            batch_objects=batch_objects,
        )
        # the workers start while this process opens (or creates) its database
        pool = prestarted_pool(cfg)
        try:
            store = open_store()
        except BaseException:
            if pool is not None:
                pool.shutdown()
            raise
    code = run_and_report(
        cfg,
        store,
        pool=pool,
        output_dir=output_dir,
        formats=formats,
        quiet=quiet,
        mutelist=mutelist,
        fail_on=fail_on,
        ignore_exit_code_3=ignore_exit_code_3,
        db=db,
    )
    raise typer.Exit(code)


def demo_command(
    output_dir: Path = typer.Option(Path("phiscope-demo"), "--output-dir", "-o"),
    fmt: str = typer.Option("json,ocsf,sarif,csv,html,summary", "--format", "-M"),
    no_audio: bool = typer.Option(False, "--no-audio"),
    no_ocr: bool = typer.Option(False, "--no-ocr"),
    people: int = typer.Option(300, "--people", min=1, help="Synthetic people to generate"),
    keep_running: bool = typer.Option(False, "--keep-running", help="Leave the endpoint up after the scan"),
    providers: str = typer.Option("s3", "--providers", help="Comma list of s3, azure, gcs (emulators)"),
) -> None:
    """Start an embedded S3 endpoint with synthetic telehealth data and scan it, end to end."""
    from phiscope.demo import run_demo
    from phiscope.demo_cloud import parse_providers

    try:
        chosen = parse_providers(providers)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    code = run_demo(
        providers=chosen,
        output_dir=output_dir,
        formats=_formats(fmt),
        audio=not no_audio,
        ocr=not no_ocr,
        people=people,
        keep_running=keep_running,
    )
    raise typer.Exit(code)


def report_command(
    scan_id: str = typer.Argument(None, help="Scan id (default: the latest scan in the database)"),
    db: str | None = typer.Option(None, "--db", help="Findings DB URL"),
    output_dir: Path = typer.Option(Path("phiscope-output"), "--output-dir", "-o"),
    fmt: str = typer.Option("json,html,summary", "--format", "-M"),
    mutelist: Path | None = typer.Option(None, "--mutelist", callback=check_mutelist),
    fail_on: str = typer.Option("high", "--fail-on", callback=check_fail_on),
    ignore_exit_code_3: bool = typer.Option(False, "--ignore-exit-code-3"),
) -> None:
    """Render the reports of a past scan from the findings database (same code path as the scan).

    Exit codes as `scan`: 0 clean, 3 findings at/above --fail-on, 1 could not verify, 2 usage."""
    from phiscope.contract import UsageError
    from phiscope.db.store import Store
    from phiscope.scan.report import build_report

    formats = _formats(fmt)
    store = Store.open(db)
    chosen = scan_id or store.latest_scan_id()
    if not chosen or store.get_scan(chosen) is None:
        raise UsageError(f"no scan {chosen or ''} in the database (see `phiscope scans`)".replace("  ", " "))
    report = build_report(store, chosen)
    raise typer.Exit(
        write_outputs(
            report,
            output_dir=output_dir,
            formats=formats,
            mutelist=mutelist,
            fail_on=fail_on,
            ignore_exit_code_3=ignore_exit_code_3,
        )
    )
